//! The emulator's settings: seed, update latencies per kind of update, and quotas.
//!
//! Everything here is plain data with serde, so the CLI flags, the `/_sim/` control API
//! and tests describe the same knobs the same way.

use std::time::Duration;

use rand::Rng;
use serde::{Deserialize, Serialize};

/// How long something takes: a fixed delay or a uniform draw between two bounds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Latency {
    /// Always this long.
    Fixed(#[serde(with = "millis")] Duration),
    /// Uniformly between `min` and `max` (inclusive).
    Uniform {
        /// Shortest delay.
        #[serde(with = "millis")]
        min: Duration,
        /// Longest delay.
        #[serde(with = "millis")]
        max: Duration,
    },
}

impl Latency {
    /// Draws one delay.
    pub fn draw(self, rng: &mut impl Rng) -> Duration {
        match self {
            Latency::Fixed(d) => d,
            Latency::Uniform { min, max } if max <= min => min,
            Latency::Uniform { min, max } => {
                let span = (max - min).as_millis() as u64;
                min + Duration::from_millis(rng.random_range(0..=span))
            }
        }
    }

    /// Parses `1s`, `800ms`, or a range `800ms..1500ms` (humantime spellings).
    pub fn parse(s: &str) -> Result<Self, String> {
        let dur = |t: &str| humantime::parse_duration(t.trim()).map_err(|e| format!("{t}: {e}"));
        match s.split_once("..") {
            Some((lo, hi)) => {
                let (min, max) = (dur(lo)?, dur(hi)?);
                if max < min {
                    return Err(format!("{s}: the upper bound is below the lower bound"));
                }
                Ok(Latency::Uniform { min, max })
            }
            None => Ok(Latency::Fixed(dur(s)?)),
        }
    }
}

/// The kinds of asynchronous change whose completion time is configurable.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum UpdateKind {
    /// CreateFunction of a zip function: `Pending` → `Active`.
    CreateZip,
    /// CreateFunction of an image function.
    CreateImage,
    /// UpdateFunctionCode of a zip function: `InProgress` → `Successful`.
    CodeZip,
    /// UpdateFunctionCode of an image function.
    CodeImage,
    /// UpdateFunctionConfiguration.
    Configuration,
    /// Any create or update of a function attached to a VPC (overrides the kinds above).
    Vpc,
    /// A provisioned concurrency allocation (a put, or a move of its alias):
    /// `IN_PROGRESS` → `READY`.
    ProvisionedConcurrency,
}

impl UpdateKind {
    /// Every kind, for help texts and parsing.
    pub const ALL: [UpdateKind; 7] = [
        UpdateKind::CreateZip,
        UpdateKind::CreateImage,
        UpdateKind::CodeZip,
        UpdateKind::CodeImage,
        UpdateKind::Configuration,
        UpdateKind::Vpc,
        UpdateKind::ProvisionedConcurrency,
    ];

    /// The spelling used by flags and the control API.
    pub fn as_str(self) -> &'static str {
        match self {
            UpdateKind::CreateZip => "create-zip",
            UpdateKind::CreateImage => "create-image",
            UpdateKind::CodeZip => "code-zip",
            UpdateKind::CodeImage => "code-image",
            UpdateKind::Configuration => "configuration",
            UpdateKind::Vpc => "vpc",
            UpdateKind::ProvisionedConcurrency => "provisioned-concurrency",
        }
    }
}

/// Completion latency per kind of update. Defaults follow AWS: zip functions settle in
/// about a second, images and VPC functions in about 25 seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, rename_all = "kebab-case")]
pub struct LatencyConfig {
    /// CreateFunction, zip.
    pub create_zip: Latency,
    /// CreateFunction, image.
    pub create_image: Latency,
    /// UpdateFunctionCode, zip.
    pub code_zip: Latency,
    /// UpdateFunctionCode, image.
    pub code_image: Latency,
    /// UpdateFunctionConfiguration.
    pub configuration: Latency,
    /// Anything on a VPC function.
    pub vpc: Latency,
    /// A provisioned concurrency allocation (AWS takes minutes; the default is short).
    pub provisioned_concurrency: Latency,
}

impl Default for LatencyConfig {
    fn default() -> Self {
        let ms = Duration::from_millis;
        let zip = Latency::Uniform {
            min: ms(700),
            max: ms(1_500),
        };
        let slow = Latency::Uniform {
            min: ms(20_000),
            max: ms(30_000),
        };
        LatencyConfig {
            create_zip: zip,
            create_image: slow,
            code_zip: zip,
            code_image: slow,
            configuration: zip,
            vpc: slow,
            provisioned_concurrency: Latency::Uniform {
                min: ms(1_000),
                max: ms(2_000),
            },
        }
    }
}

impl LatencyConfig {
    /// Every kind set to the same latency (tests use `Fixed` for exact timelines).
    pub fn uniform(latency: Latency) -> Self {
        LatencyConfig {
            create_zip: latency,
            create_image: latency,
            code_zip: latency,
            code_image: latency,
            configuration: latency,
            vpc: latency,
            provisioned_concurrency: latency,
        }
    }

    /// The latency for one kind.
    pub fn get(&self, kind: UpdateKind) -> Latency {
        match kind {
            UpdateKind::CreateZip => self.create_zip,
            UpdateKind::CreateImage => self.create_image,
            UpdateKind::CodeZip => self.code_zip,
            UpdateKind::CodeImage => self.code_image,
            UpdateKind::Configuration => self.configuration,
            UpdateKind::Vpc => self.vpc,
            UpdateKind::ProvisionedConcurrency => self.provisioned_concurrency,
        }
    }

    /// Sets the latency for one kind.
    pub fn set(&mut self, kind: UpdateKind, latency: Latency) {
        let slot = match kind {
            UpdateKind::CreateZip => &mut self.create_zip,
            UpdateKind::CreateImage => &mut self.create_image,
            UpdateKind::CodeZip => &mut self.code_zip,
            UpdateKind::CodeImage => &mut self.code_image,
            UpdateKind::Configuration => &mut self.configuration,
            UpdateKind::Vpc => &mut self.vpc,
            UpdateKind::ProvisionedConcurrency => &mut self.provisioned_concurrency,
        };
        *slot = latency;
    }

    /// Applies one `KIND=LATENCY` setting, or `LATENCY` for every kind.
    pub fn apply_setting(&mut self, setting: &str) -> Result<(), String> {
        match setting.split_once('=') {
            Some((kind, value)) => {
                let kind = UpdateKind::ALL
                    .into_iter()
                    .find(|k| k.as_str() == kind.trim())
                    .ok_or_else(|| {
                        let known: Vec<_> = UpdateKind::ALL.iter().map(|k| k.as_str()).collect();
                        format!("unknown update kind `{kind}` (known: {})", known.join(", "))
                    })?;
                self.set(kind, Latency::parse(value)?);
            }
            None => *self = LatencyConfig::uniform(Latency::parse(setting)?),
        }
        Ok(())
    }
}

/// Control-plane quotas per account and region, in requests per second; `None` is off.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "kebab-case")]
pub struct QuotaConfig {
    /// GetFunction's own quota (AWS: 100/s).
    pub get_function: Option<f64>,
    /// Every other control-plane call together (AWS: 15/s).
    pub control_plane: Option<f64>,
}

impl Default for QuotaConfig {
    fn default() -> Self {
        QuotaConfig {
            get_function: Some(100.0),
            control_plane: Some(15.0),
        }
    }
}

impl QuotaConfig {
    /// No throttling at all.
    pub fn off() -> Self {
        QuotaConfig {
            get_function: None,
            control_plane: None,
        }
    }

    /// The slowest quota accepted, per second (one call every 100 s): a rate near zero
    /// would make a throttled caller wait longer than any `Duration` holds.
    pub const MIN_RATE: f64 = 0.01;

    /// Whether `rate` is finite and at least [`QuotaConfig::MIN_RATE`].
    pub fn is_valid_rate(rate: f64) -> bool {
        rate.is_finite() && rate >= Self::MIN_RATE
    }

    /// Checks that every rate set is finite and at least [`QuotaConfig::MIN_RATE`].
    pub fn validate(&self) -> Result<(), String> {
        for (name, rate) in [
            ("get-function", self.get_function),
            ("control-plane", self.control_plane),
        ] {
            if let Some(r) = rate
                && !Self::is_valid_rate(r)
            {
                return Err(format!(
                    "{name}: {r} is not a rate of at least {}/s (use null for off)",
                    Self::MIN_RATE
                ));
            }
        }
        Ok(())
    }

    /// Applies `off`, `get-function=N`, `control-plane=N` (N a rate or `off`).
    pub fn apply_setting(&mut self, setting: &str) -> Result<(), String> {
        if setting.trim() == "off" {
            *self = QuotaConfig::off();
            return Ok(());
        }
        let (name, value) = setting.split_once('=').ok_or_else(|| {
            format!("`{setting}`: expected get-function=N, control-plane=N or off")
        })?;
        let rate = match value.trim() {
            "off" => None,
            v => match v.parse::<f64>() {
                Ok(r) if Self::is_valid_rate(r) => Some(r),
                _ => {
                    return Err(format!(
                        "`{v}`: expected a rate of at least {}/s or `off`",
                        Self::MIN_RATE
                    ));
                }
            },
        };
        match name.trim() {
            "get-function" => self.get_function = rate,
            "control-plane" => self.control_plane = rate,
            other => {
                return Err(format!(
                    "unknown quota `{other}` (known: get-function, control-plane)"
                ));
            }
        }
        Ok(())
    }
}

/// Everything the emulator is started with.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "kebab-case")]
pub struct SimConfig {
    /// Seed of every random draw (latencies, revision ids, fault probabilities).
    pub seed: u64,
    /// Completion latency per kind of update.
    pub latency: LatencyConfig,
    /// Quotas.
    pub quota: QuotaConfig,
    /// Account used when the access key does not name one.
    pub default_account: String,
}

impl Default for SimConfig {
    fn default() -> Self {
        SimConfig {
            seed: 0,
            latency: LatencyConfig::default(),
            quota: QuotaConfig::default(),
            default_account: DEFAULT_ACCOUNT.to_owned(),
        }
    }
}

/// The account used for unsigned requests and unknown access keys.
pub const DEFAULT_ACCOUNT: &str = "123456789012";

/// Serde for `Duration` as whole milliseconds, the unit the control API speaks.
pub(crate) mod millis {
    use std::time::Duration;

    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u64(d.as_millis() as u64)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
        u64::deserialize(d).map(Duration::from_millis)
    }
}
