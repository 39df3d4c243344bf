//! The in-process CloudWatch door: [`SimAlarms`] implements [`Alarms`] on the model.

use std::sync::Arc;

use async_trait::async_trait;

use super::Sim;
use super::ops_alarms::DescribeAlarmsInput;
use flotilla_cloud::alarms::{AlarmStatus, Alarms};
use flotilla_cloud::lambda::ApiError;

/// [`Alarms`] for one account and region of a [`Sim`]. Cheap to clone.
#[derive(Debug, Clone)]
pub struct SimAlarms {
    sim: Sim,
    account: Arc<str>,
    region: Arc<str>,
}

impl SimAlarms {
    pub(crate) fn new(sim: Sim, account: &str, region: &str) -> Self {
        SimAlarms {
            sim,
            account: account.into(),
            region: region.into(),
        }
    }
}

#[async_trait]
impl Alarms for SimAlarms {
    async fn describe_alarms(&self, names: &[String]) -> Result<Vec<AlarmStatus>, ApiError> {
        if names.is_empty() {
            return Ok(Vec::new());
        }
        let input = DescribeAlarmsInput {
            names: names.to_vec(),
            ..DescribeAlarmsInput::default()
        };
        Ok(self
            .sim
            .describe_alarms(&self.account, &self.region, &input)
            .into_iter()
            .map(|(status, _, _)| status)
            .collect())
    }
}
