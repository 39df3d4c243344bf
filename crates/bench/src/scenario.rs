//! Scenarios: a fleet of N functions in a "before" state and the steps that bring each
//! one to its "after" state, drawn deterministically from a seed.
//!
//! Every tool in the benchmark (Flotilla and the peer policies) starts from the same
//! [`Scenario`] on a fresh emulator configured by [`Scenario::sim_config`], so their
//! figures compare like with like.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};
use serde::{Deserialize, Serialize};

use flotilla_cloud::lambda::{ApiOp, PackageType};
use flotilla_sim::{
    FaultKind, FaultRule, Latency, LatencyConfig, QuotaConfig, SeedSpec, SimConfig,
};

/// The account every scenario deploys to.
pub const ACCOUNT: &str = "111111111111";
/// The first (and usually only) region.
pub const REGION_A: &str = "eu-north-1";
/// The second region of `multi-region`.
pub const REGION_B: &str = "eu-west-1";
/// The alias scenarios with publishing move.
pub const ALIAS: &str = "live";
/// Lambda's quota on GetFunction, per account and region.
pub const GET_FUNCTION_RATE: f64 = 100.0;
/// Lambda's quota on every other control-plane call together, per account and region.
pub const MUTATING_RATE: f64 = 15.0;

/// The named scenarios.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum ScenarioKind {
    /// UpdateFunctionCode only.
    CodeOnly,
    /// UpdateFunctionConfiguration only.
    ConfigOnly,
    /// Code, configuration, PublishVersion, then the alias.
    Full,
    /// A mix of the above, with some functions unchanged.
    Mixed,
    /// `Full`, across two regions with separate quotas.
    MultiRegion,
    /// `Full`, with injected 409s (an outside writer), 5xx, dropped connections and a
    /// noisy neighbour spending part of the account's control-plane quota (429s).
    Chaos,
    /// `Full` (the same functions and draws), with the VPC functions' `vpc` in the
    /// manifest, so the engine knows them slow before it starts.
    VpcInManifest,
}

impl ScenarioKind {
    /// Every scenario, in report order.
    pub const ALL: [ScenarioKind; 7] = [
        ScenarioKind::CodeOnly,
        ScenarioKind::ConfigOnly,
        ScenarioKind::Full,
        ScenarioKind::Mixed,
        ScenarioKind::MultiRegion,
        ScenarioKind::Chaos,
        ScenarioKind::VpcInManifest,
    ];

    /// The name used on the command line and in reports.
    pub fn name(self) -> &'static str {
        match self {
            ScenarioKind::CodeOnly => "code-only",
            ScenarioKind::ConfigOnly => "config-only",
            ScenarioKind::Full => "code+config+publish+alias",
            ScenarioKind::Mixed => "mixed",
            ScenarioKind::MultiRegion => "multi-region",
            ScenarioKind::Chaos => "chaos",
            ScenarioKind::VpcInManifest => "vpc-in-manifest",
        }
    }

    /// True when the manifest names the VPC functions' subnets; elsewhere the VPC is
    /// only live, unmanaged. The plan carries the VPC either way (the live one where
    /// the manifest leaves it alone), so this scenario and `Full` are planned alike: it
    /// shows that naming the VPC costs nothing, not that leaving it out does.
    pub fn vpc_in_manifest(self) -> bool {
        matches!(self, ScenarioKind::VpcInManifest)
    }

    /// True when faults are injected (the 1.05x target does not apply).
    pub fn has_chaos(self) -> bool {
        matches!(self, ScenarioKind::Chaos)
    }
}

impl fmt::Display for ScenarioKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for ScenarioKind {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        ScenarioKind::ALL
            .into_iter()
            .find(|k| k.name() == s || (s == "full" && *k == ScenarioKind::Full))
            .ok_or_else(|| {
                let known: Vec<_> = ScenarioKind::ALL.iter().map(|k| k.name()).collect();
                format!("unknown scenario `{s}` (known: {})", known.join(", "))
            })
    }
}

/// One change a function needs, in the order every tool performs them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Change {
    /// New code: an S3 object for zip functions, a new image URI for image functions.
    Code {
        /// S3 bucket (zip functions).
        bucket: String,
        /// S3 key (zip functions) or image URI (image functions).
        key_or_uri: String,
    },
    /// New configuration: memory size and one environment variable.
    Config {
        /// New memory size.
        memory_mb: u32,
        /// The whole new environment.
        environment: BTreeMap<String, String>,
    },
    /// PublishVersion.
    Publish,
    /// CreateAlias [`ALIAS`] on the published version.
    Alias,
}

impl Change {
    /// The API call this change makes.
    pub fn op(&self) -> ApiOp {
        match self {
            Change::Code { .. } => ApiOp::UpdateFunctionCode,
            Change::Config { .. } => ApiOp::UpdateFunctionConfiguration,
            Change::Publish => ApiOp::PublishVersion,
            Change::Alias => ApiOp::CreateAlias,
        }
    }

    /// True when the change starts an asynchronous update that must be waited for.
    pub fn is_async(&self) -> bool {
        matches!(self, Change::Code { .. } | Change::Config { .. })
    }
}

/// One function of a scenario.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BenchFunction {
    /// Function name.
    pub name: String,
    /// Account.
    pub account: String,
    /// Region.
    pub region: String,
    /// Zip or image.
    pub package_type: PackageType,
    /// Attached to a VPC (slow updates).
    pub vpc: bool,
    /// Memory before the deploy.
    pub memory_mb: u32,
    /// Environment before the deploy.
    pub environment: BTreeMap<String, String>,
    /// Image URI before the deploy (image functions).
    pub image_uri: Option<String>,
    /// The changes, in order; empty when the function is unchanged.
    pub changes: Vec<Change>,
}

impl BenchFunction {
    /// How the emulator is seeded with this function's "before" state.
    pub fn seed_spec(&self) -> SeedSpec {
        SeedSpec {
            name: self.name.clone(),
            memory_mb: Some(self.memory_mb),
            environment: self.environment.clone(),
            image_uri: self.image_uri.clone(),
            vpc: self.vpc,
            ..SeedSpec::default()
        }
    }
}

/// A whole scenario: functions, emulator settings, injected faults.
#[derive(Debug, Clone, PartialEq)]
pub struct Scenario {
    /// Which scenario.
    pub kind: ScenarioKind,
    /// The seed everything was drawn from.
    pub seed: u64,
    /// The functions, in deploy order.
    pub functions: Vec<BenchFunction>,
    /// Update latencies per kind of update.
    pub latency: LatencyConfig,
    /// Quotas per account and region.
    pub quota: QuotaConfig,
    /// Injected faults.
    pub faults: Vec<FaultRule>,
    /// Control-plane calls per second a noisy neighbour spends in [`ACCOUNT`]/[`REGION_A`]
    /// while the deploy runs (0 for none).
    pub neighbour_rate: f64,
}

/// The latency mix: most zip updates about a second; image functions about 25 s; VPC
/// functions 20–90 s, the long tail.
pub fn realistic_latency() -> LatencyConfig {
    let ms = Duration::from_millis;
    let zip = Latency::Uniform {
        min: ms(700),
        max: ms(1_500),
    };
    LatencyConfig {
        create_zip: zip,
        create_image: Latency::Uniform {
            min: ms(20_000),
            max: ms(30_000),
        },
        code_zip: zip,
        code_image: Latency::Uniform {
            min: ms(20_000),
            max: ms(30_000),
        },
        configuration: zip,
        vpc: Latency::Uniform {
            min: ms(20_000),
            max: ms(90_000),
        },
        ..LatencyConfig::default()
    }
}

/// Share of image functions and of VPC functions in every scenario.
const IMAGE_SHARE: f64 = 0.08;
const VPC_SHARE: f64 = 0.04;

impl Scenario {
    /// Draws the scenario `kind` with `n` functions from `seed`.
    pub fn generate(kind: ScenarioKind, n: usize, seed: u64) -> Scenario {
        // One stream per scenario so scenarios do not shift each other's draws.
        // `vpc-in-manifest` draws `Full`'s functions, so the two differ only in what the
        // manifest says.
        let stream = if kind.vpc_in_manifest() {
            ScenarioKind::Full
        } else {
            kind
        };
        let mut rng = SmallRng::seed_from_u64(seed ^ (stream as u64).wrapping_mul(0x9E37_79B9));
        let functions = (0..n)
            .map(|i| {
                let region = if kind == ScenarioKind::MultiRegion && i % 2 == 1 {
                    REGION_B
                } else {
                    REGION_A
                };
                draw_function(&mut rng, kind, i, region)
            })
            .collect();
        let faults = if kind.has_chaos() {
            chaos_faults()
        } else {
            Vec::new()
        };
        Scenario {
            kind,
            seed,
            functions,
            latency: realistic_latency(),
            quota: QuotaConfig {
                get_function: Some(GET_FUNCTION_RATE),
                control_plane: Some(MUTATING_RATE),
            },
            faults,
            neighbour_rate: if kind.has_chaos() { 2.0 } else { 0.0 },
        }
    }

    /// The emulator settings for this scenario.
    pub fn sim_config(&self) -> SimConfig {
        SimConfig {
            seed: self.seed,
            latency: self.latency,
            quota: self.quota,
            ..SimConfig::default()
        }
    }

    /// The (account, region) pairs the scenario touches, sorted.
    pub fn targets(&self) -> Vec<(String, String)> {
        let mut t: Vec<_> = self
            .functions
            .iter()
            .map(|f| (f.account.clone(), f.region.clone()))
            .collect();
        t.sort();
        t.dedup();
        t
    }

    /// Functions that change.
    pub fn changed(&self) -> usize {
        self.functions
            .iter()
            .filter(|f| !f.changes.is_empty())
            .count()
    }
}

fn chaos_faults() -> Vec<FaultRule> {
    let updates = [
        ApiOp::UpdateFunctionCode,
        ApiOp::UpdateFunctionConfiguration,
    ];
    let mut rules = vec![
        FaultRule::probability(0.02, None, None, FaultKind::ServiceError),
        FaultRule::probability(
            0.005,
            Some(ApiOp::UpdateFunctionCode),
            None,
            FaultKind::DropConnection { applied: true },
        ),
    ];
    // A second pipeline touching a few functions mid-deploy: its update is in progress
    // when the tool's next update arrives (409), and the RevisionId moves (412).
    rules.extend(
        updates
            .into_iter()
            .map(|op| FaultRule::probability(0.01, Some(op), None, FaultKind::OutsideWriter)),
    );
    rules
}

fn draw_function(rng: &mut SmallRng, kind: ScenarioKind, i: usize, region: &str) -> BenchFunction {
    let name = format!("svc-{i:05}");
    let image = rng.random_bool(IMAGE_SHARE);
    let vpc = !image && rng.random_bool(VPC_SHARE);
    let memory_mb = 128 * rng.random_range(1..=8);
    let mut environment = BTreeMap::new();
    environment.insert("LOG_LEVEL".to_owned(), "info".to_owned());
    environment.insert(
        "BUILD".to_owned(),
        format!("b{}", rng.random_range(1..1000)),
    );
    let image_uri = image.then(|| format!("{ACCOUNT}.dkr.ecr.{region}.amazonaws.com/{name}:v1"));
    let code = Change::Code {
        bucket: format!("deploy-artifacts-{region}"),
        key_or_uri: match &image_uri {
            Some(_) => format!("{ACCOUNT}.dkr.ecr.{region}.amazonaws.com/{name}:v2"),
            None => format!("{name}/v2.zip"),
        },
    };
    let mut new_env = environment.clone();
    new_env.insert(
        "BUILD".to_owned(),
        format!("b{}", rng.random_range(1000..2000)),
    );
    let config = Change::Config {
        memory_mb: memory_mb + 128,
        environment: new_env,
    };
    let full = vec![code.clone(), config.clone(), Change::Publish, Change::Alias];
    let changes = match kind {
        ScenarioKind::CodeOnly => vec![code],
        ScenarioKind::ConfigOnly => vec![config],
        ScenarioKind::Full
        | ScenarioKind::MultiRegion
        | ScenarioKind::Chaos
        | ScenarioKind::VpcInManifest => full,
        ScenarioKind::Mixed => match rng.random_range(0..10) {
            0..=2 => Vec::new(),
            3..=5 => vec![code],
            6..=7 => vec![config],
            _ => full,
        },
    };
    BenchFunction {
        name,
        account: ACCOUNT.to_owned(),
        region: region.to_owned(),
        package_type: if image {
            PackageType::Image
        } else {
            PackageType::Zip
        },
        vpc,
        memory_mb,
        environment,
        image_uri,
        changes,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_scenario_and_seeds_differ() {
        let a = Scenario::generate(ScenarioKind::Mixed, 200, 7);
        let b = Scenario::generate(ScenarioKind::Mixed, 200, 7);
        let c = Scenario::generate(ScenarioKind::Mixed, 200, 8);
        assert_eq!(a, b);
        assert_ne!(a.functions, c.functions);
        assert!(a.changed() < 200, "mixed leaves some functions unchanged");
        assert!(
            a.functions
                .iter()
                .any(|f| f.package_type == PackageType::Image)
        );
    }

    #[test]
    fn vpc_in_manifest_draws_full_s_functions_with_vpc_ones_among_them() {
        let full = Scenario::generate(ScenarioKind::Full, 1000, 1);
        let known = Scenario::generate(ScenarioKind::VpcInManifest, 1000, 1);
        assert_eq!(full.functions, known.functions);
        let vpc = known.functions.iter().filter(|f| f.vpc).count();
        assert!((20..=60).contains(&vpc), "about 4% VPC functions: {vpc}");
        assert!(known.kind.vpc_in_manifest() && !full.kind.vpc_in_manifest());
    }

    #[test]
    fn multi_region_uses_two_regions_and_names_parse() {
        let s = Scenario::generate(ScenarioKind::MultiRegion, 10, 1);
        assert_eq!(s.targets().len(), 2);
        for kind in ScenarioKind::ALL {
            assert_eq!(kind.name().parse::<ScenarioKind>(), Ok(kind));
        }
        assert!("nope".parse::<ScenarioKind>().is_err());
    }
}
