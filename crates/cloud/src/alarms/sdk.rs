//! [`SdkAlarms`]: [`Alarms`] on top of `aws-sdk-cloudwatch` (which speaks
//! smithy-rpcv2-cbor), with the Lambda client's retry and timeout settings.

use async_trait::async_trait;
use aws_sdk_cloudwatch::types::AlarmType;

use super::{AlarmState, AlarmStatus, Alarms, MAX_NAMES_PER_CALL};
use crate::lambda::ApiError;
use crate::lambda::sdk_error::classify;

/// CloudWatch `DescribeAlarms` through the AWS SDK, for one region.
#[derive(Debug, Clone)]
pub struct SdkAlarms {
    client: aws_sdk_cloudwatch::Client,
}

impl SdkAlarms {
    /// A client of `shared`'s credentials, endpoint, retries and timeouts in `region`.
    pub fn new(shared: &aws_config::SdkConfig, region: &str) -> Self {
        let config = aws_sdk_cloudwatch::config::Builder::from(shared)
            .region(aws_sdk_cloudwatch::config::Region::new(region.to_owned()))
            .build();
        SdkAlarms {
            client: aws_sdk_cloudwatch::Client::from_conf(config),
        }
    }
}

fn state_of(value: Option<&aws_sdk_cloudwatch::types::StateValue>) -> AlarmState {
    // An unknown state is not `OK`: treat it as no data, which never passes as healthy.
    value
        .and_then(|v| AlarmState::from_api_str(v.as_str()))
        .unwrap_or(AlarmState::InsufficientData)
}

#[async_trait]
impl Alarms for SdkAlarms {
    async fn describe_alarms(&self, names: &[String]) -> Result<Vec<AlarmStatus>, ApiError> {
        let mut out = Vec::new();
        for chunk in names.chunks(MAX_NAMES_PER_CALL) {
            let mut next: Option<String> = None;
            loop {
                let page = self
                    .client
                    .describe_alarms()
                    .set_alarm_names(Some(chunk.to_vec()))
                    .alarm_types(AlarmType::MetricAlarm)
                    .alarm_types(AlarmType::CompositeAlarm)
                    .max_records(i32::try_from(MAX_NAMES_PER_CALL).unwrap_or(100))
                    .set_next_token(next.take())
                    .send()
                    .await
                    .map_err(classify)?;
                for alarm in page.metric_alarms() {
                    out.push(AlarmStatus {
                        name: alarm.alarm_name().unwrap_or_default().to_owned(),
                        state: state_of(alarm.state_value()),
                        reason: alarm.state_reason().unwrap_or_default().to_owned(),
                    });
                }
                for alarm in page.composite_alarms() {
                    out.push(AlarmStatus {
                        name: alarm.alarm_name().unwrap_or_default().to_owned(),
                        state: state_of(alarm.state_value()),
                        reason: alarm.state_reason().unwrap_or_default().to_owned(),
                    });
                }
                match page.next_token() {
                    Some(t) if !t.is_empty() => next = Some(t.to_owned()),
                    _ => break,
                }
            }
        }
        Ok(out)
    }
}
