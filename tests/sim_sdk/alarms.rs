//! CloudWatch `DescribeAlarms` over `flotilla sim`'s HTTP door, in smithy-rpcv2-cbor as
//! `aws-sdk-cloudwatch` speaks it; alarm states set, now or at an emulator time, through
//! `PUT /_sim/alarms/{name}`; the seam's `SdkAlarms` and the in-process `SimAlarms`.

use std::time::Duration;

use aws_sdk_cloudwatch::types::{AlarmType, StateValue};
use flotilla_cloud::Connector;
use flotilla_cloud::alarms::{AlarmState, Alarms, SdkAlarms};
use flotilla_sim::QuotaConfig;

use super::harness::{ACCOUNT, REGION, http_get, raw_http, split_response, start};

fn shared_config(url: &str) -> aws_config::SdkConfig {
    aws_config::SdkConfig::builder()
        .behavior_version(aws_config::BehaviorVersion::latest())
        .region(aws_config::Region::new(REGION))
        .credentials_provider(
            aws_credential_types::provider::SharedCredentialsProvider::new(
                aws_credential_types::Credentials::new("AKIDTEST", "secret", None, None, "test"),
            ),
        )
        .endpoint_url(url)
        .build()
}

fn cloudwatch(url: &str) -> aws_sdk_cloudwatch::Client {
    aws_sdk_cloudwatch::Client::new(&shared_config(url))
}

async fn set_alarm(url: &str, name: &str, body: &str) -> (u16, serde_json::Value) {
    let req = format!(
        "PUT /_sim/alarms/{name} HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    );
    let (status, _, json) = split_response(&raw_http(url, req).await);
    (status, json)
}

#[tokio::test]
async fn describe_alarms_speaks_cbor_and_follows_the_control_api() {
    let h = start(Duration::from_millis(50), QuotaConfig::off()).await;
    let cw = cloudwatch(&h.url);
    let region = format!(r#""region": "{REGION}""#);
    let (status, _) = set_alarm(
        &h.url,
        "api-errors",
        &format!(r#"{{{region}, "state": "OK"}}"#),
    )
    .await;
    assert_eq!(status, 200);
    let (status, _) = set_alarm(
        &h.url,
        "api-latency",
        &format!(r#"{{{region}, "state": "ALARM", "reason": "p99 above 800 ms"}}"#),
    )
    .await;
    assert_eq!(status, 200);

    let out = cw
        .describe_alarms()
        .alarm_names("api-errors")
        .alarm_names("api-latency")
        .alarm_names("no-such-alarm")
        .send()
        .await
        .expect("describe");
    let alarms = out.metric_alarms();
    assert_eq!(alarms.len(), 2, "{alarms:?}");
    assert_eq!(alarms[0].alarm_name(), Some("api-errors"));
    assert_eq!(alarms[0].state_value(), Some(&StateValue::Ok));
    assert_eq!(alarms[1].alarm_name(), Some("api-latency"));
    assert_eq!(alarms[1].state_value(), Some(&StateValue::Alarm));
    assert_eq!(alarms[1].state_reason(), Some("p99 above 800 ms"));
    assert_eq!(
        alarms[1].alarm_arn(),
        Some(&*format!(
            "arn:aws:cloudwatch:{REGION}:{ACCOUNT}:alarm:api-latency"
        ))
    );
    assert!(alarms[1].state_updated_timestamp().is_some());
    // Filters: by state, by prefix; composite alarms only gives none.
    let in_alarm = cw
        .describe_alarms()
        .state_value(StateValue::Alarm)
        .send()
        .await
        .expect("by state");
    assert_eq!(in_alarm.metric_alarms().len(), 1);
    let composite = cw
        .describe_alarms()
        .alarm_types(AlarmType::CompositeAlarm)
        .send()
        .await
        .expect("composite");
    assert!(composite.metric_alarms().is_empty());

    // A change scheduled 300 ms ahead is not visible before, and is after.
    let (status, body) = set_alarm(
        &h.url,
        "api-errors",
        &format!(r#"{{{region}, "state": "ALARM", "reason": "Errors > 5", "after_ms": 300}}"#),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(body["alarms"][0]["scheduled"][0][1], "ALARM");
    let state = |out: &aws_sdk_cloudwatch::operation::describe_alarms::DescribeAlarmsOutput| {
        out.metric_alarms()[0].state_value().cloned()
    };
    let before = cw
        .describe_alarms()
        .alarm_names("api-errors")
        .send()
        .await
        .expect("before");
    assert_eq!(state(&before), Some(StateValue::Ok));
    tokio::time::sleep(Duration::from_millis(400)).await;
    let after = cw
        .describe_alarms()
        .alarm_names("api-errors")
        .send()
        .await
        .expect("after");
    assert_eq!(state(&after), Some(StateValue::Alarm));
    assert_eq!(after.metric_alarms()[0].state_reason(), Some("Errors > 5"));

    // Errors, typed as the SDK models them.
    let bad_token = cw
        .describe_alarms()
        .next_token("garbage")
        .send()
        .await
        .expect_err("bad token");
    assert!(bad_token.into_service_error().is_invalid_next_token());
    let too_many = cw
        .describe_alarms()
        .max_records(500)
        .send()
        .await
        .expect_err("MaxRecords 500");
    assert_eq!(
        aws_sdk_cloudwatch::error::ProvideErrorMetadata::code(&too_many.into_service_error()),
        Some("ValidationError")
    );

    let (status, _, listed) =
        split_response(&http_get(&h.url, &format!("/_sim/alarms?region={REGION}")).await);
    assert_eq!(status, 200);
    assert_eq!(listed["alarms"].as_array().map(Vec::len), Some(2));
    assert_eq!(
        listed["describe_alarms_calls"],
        h.sim.describe_alarms_calls()
    );
    let (status, _) = set_alarm(&h.url, "x", r#"{"state": "RED"}"#).await;
    assert_eq!(status, 400);
}

#[tokio::test]
async fn the_seam_pages_through_many_alarms_over_http_and_in_process() {
    let h = start(Duration::from_millis(50), QuotaConfig::off()).await;
    let names: Vec<String> = (0..230).map(|i| format!("alarm-{i:03}")).collect();
    for (i, name) in names.iter().enumerate() {
        let state = if i == 150 {
            AlarmState::Alarm
        } else {
            AlarmState::Ok
        };
        h.sim
            .set_alarm(ACCOUNT, REGION, name, state, Some(format!("r{i}")), None);
    }
    let calls_before = h.sim.describe_alarms_calls();
    let over_http = SdkAlarms::new(&shared_config(&h.url), REGION);
    let got = over_http.describe_alarms(&names).await.expect("describe");
    assert_eq!(got.len(), 230);
    // 100 names per call: three calls.
    assert_eq!(h.sim.describe_alarms_calls() - calls_before, 3);
    let firing: Vec<_> = got
        .iter()
        .filter(|a| a.state == AlarmState::Alarm)
        .collect();
    assert_eq!(firing.len(), 1);
    assert_eq!(firing[0].name, "alarm-150");
    assert_eq!(firing[0].reason, "r150");
    assert!(
        over_http
            .describe_alarms(&[])
            .await
            .expect("none")
            .is_empty()
    );

    // The in-process door, at an emulator time given in advance.
    let at = h.sim.elapsed() + Duration::from_millis(200);
    h.sim.set_alarm(
        ACCOUNT,
        REGION,
        "alarm-000",
        AlarmState::Alarm,
        None,
        Some(at),
    );
    let in_process = h.sim.alarms(Some(ACCOUNT), REGION);
    let first = vec!["alarm-000".to_owned()];
    let now = in_process.describe_alarms(&first).await.expect("now");
    assert_eq!(now[0].state, AlarmState::Ok);
    tokio::time::sleep(Duration::from_millis(300)).await;
    let later = in_process.describe_alarms(&first).await.expect("later");
    assert_eq!(later[0].state, AlarmState::Alarm);
}

/// The AWS CLI sends CloudWatch calls in AWS JSON 1.0; the same alarms answer there.
#[tokio::test]
async fn describe_alarms_also_answers_aws_json() {
    let h = start(Duration::from_millis(50), QuotaConfig::off()).await;
    h.sim.set_alarm(
        ACCOUNT,
        REGION,
        "api-errors",
        AlarmState::Alarm,
        Some("Errors > 5".to_owned()),
        None,
    );
    let post = |body: &str| {
        format!(
            "POST / HTTP/1.1\r\nhost: x\r\nx-amz-target: GraniteServiceVersion20100801.DescribeAlarms\r\ncontent-type: application/x-amz-json-1.0\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
            body.len()
        )
    };
    let body = r#"{"AlarmNames": ["api-errors", "missing"]}"#;
    let req = post(body).replace("host: x", &format!("host: x\r\nauthorization: AWS4-HMAC-SHA256 Credential={ACCOUNT}/20260101/{REGION}/monitoring/aws4_request"));
    let (status, _, json) = split_response(&raw_http(&h.url, req).await);
    assert_eq!(status, 200, "{json}");
    assert_eq!(json["MetricAlarms"].as_array().map(Vec::len), Some(1));
    assert_eq!(json["MetricAlarms"][0]["StateValue"], "ALARM");
    assert_eq!(json["MetricAlarms"][0]["StateReason"], "Errors > 5");
    let bad = post(r#"{"NextToken": "x"}"#).replace("host: x", &format!("host: x\r\nauthorization: AWS4-HMAC-SHA256 Credential={ACCOUNT}/20260101/{REGION}/monitoring/aws4_request"));
    let (status, headers, json) = split_response(&raw_http(&h.url, bad).await);
    assert_eq!(status, 400);
    assert_eq!(json["__type"], "InvalidNextToken");
    assert_eq!(
        headers.get("x-amzn-query-error").map(String::as_str),
        Some("InvalidNextToken;Sender")
    );
}
