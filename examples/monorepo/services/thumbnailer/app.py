def handler(event, context):
    return {"resized": True}
