import os
import smtplib


def handler(event, context):
    with smtplib.SMTP(os.environ["SMTP_HOST"]) as smtp:
        smtp.login(os.environ["SMTP_USER"], os.environ["SMTP_PASSWORD"])
    return {"statusCode": 202}
