//! CloudWatch alarms a rollout watches: [`Alarms`] describes their states by name.
//!
//! One value talks to one account and region, like [`LambdaApi`](crate::lambda::LambdaApi);
//! the SDK implementation (`sdk` feature) calls `DescribeAlarms`, the emulator answers
//! from its own alarm states.

#[cfg(feature = "sdk")]
mod sdk;

#[cfg(feature = "sdk")]
pub use sdk::SdkAlarms;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

use crate::lambda::ApiError;

/// Most alarm names one `DescribeAlarms` call takes (`AlarmNames`, and `MaxRecords`).
pub const MAX_NAMES_PER_CALL: usize = 100;

/// The state of a CloudWatch alarm (`StateValue`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema)]
pub enum AlarmState {
    /// `OK`.
    #[serde(rename = "OK")]
    Ok,
    /// `ALARM`: the rollout stops.
    #[serde(rename = "ALARM")]
    Alarm,
    /// `INSUFFICIENT_DATA` (a new alarm, or no data points yet).
    #[serde(rename = "INSUFFICIENT_DATA")]
    InsufficientData,
}

impl AlarmState {
    /// CloudWatch's spelling.
    pub fn as_api_str(self) -> &'static str {
        match self {
            AlarmState::Ok => "OK",
            AlarmState::Alarm => "ALARM",
            AlarmState::InsufficientData => "INSUFFICIENT_DATA",
        }
    }

    /// Parses CloudWatch's spelling.
    pub fn from_api_str(s: &str) -> Option<Self> {
        match s {
            "OK" => Some(AlarmState::Ok),
            "ALARM" => Some(AlarmState::Alarm),
            "INSUFFICIENT_DATA" => Some(AlarmState::InsufficientData),
            _ => None,
        }
    }
}

impl std::fmt::Display for AlarmState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_api_str())
    }
}

/// One alarm as `DescribeAlarms` reports it (metric or composite).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AlarmStatus {
    /// `AlarmName`.
    pub name: String,
    /// `StateValue`.
    pub state: AlarmState,
    /// `StateReason`, CloudWatch's words for why.
    pub reason: String,
}

/// The CloudWatch calls a rollout makes, for one account and region.
///
/// Implementations never retry: the engine owns retries and pacing.
#[async_trait]
pub trait Alarms: Send + Sync {
    /// `DescribeAlarms` for these names (metric and composite alarms; every page, in
    /// calls of at most [`MAX_NAMES_PER_CALL`] names). A name CloudWatch does not know
    /// is left out of the answer, as CloudWatch does.
    async fn describe_alarms(&self, names: &[String]) -> Result<Vec<AlarmStatus>, ApiError>;
}
