//! The one list of a function's Lambda settings, and [`FunctionConfig`] built from it.
//!
//! `function_config!` below declares every setting once: its field in [`FunctionConfig`],
//! its [`ConfigField`] variant, Lambda's member name, the call that changes it
//! ([`Route`]), its JSON shape on Lambda's wire ([`Wire`]) and Lambda's default. Code
//! that treats every setting alike (the plan's diff, apply's post-update check, the
//! emulator's create, update, seed and wire) walks [`ConfigField::ALL`] and reads and
//! writes values through [`FunctionConfig::value`] and [`FunctionConfig::set_value`], so
//! it cannot miss a setting. The SDK conversion (`sdk_convert.rs`) is the deliberate
//! exception: the SDK has one typed builder method per member, so it destructures
//! [`FunctionConfig`] and matches [`ConfigField`] without a wildcard, and a new setting
//! fails to compile there until it is sent and read.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{
    Architecture, DEFAULT_EPHEMERAL_STORAGE_MB, DEFAULT_MEMORY_MB, DEFAULT_TIMEOUT_S,
    FILE_SYSTEM_MEMBERS, FileSystem, IMAGE_CONFIG_MEMBERS, ImageConfig, LOGGING_MEMBERS,
    LoggingConfig, PackageType, VPC_MEMBERS, VpcConfig,
};

/// The call that changes a setting of an existing function.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Route {
    /// `UpdateFunctionConfiguration`.
    Configuration,
    /// `UpdateFunctionCode` (the instruction set goes with the code).
    Code,
    /// None: the function has to be replaced (the package type).
    Replace,
}

/// How a setting's value sits in Lambda's JSON (`FunctionConfiguration`, the
/// `CreateFunction` and `UpdateFunctionConfiguration` bodies). Absent values and empty
/// lists and maps are left out of rendered objects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Wire {
    /// The value itself under the member name.
    Plain,
    /// An object holding the value under this inner member (`EphemeralStorage.Size`,
    /// `Environment.Variables`); a map-valued member left out of it is an empty map.
    Member(&'static str),
    /// A list of exactly one value (`Architectures`).
    OneItem,
    /// A list of ARNs in requests, of `{ "Arn", "CodeSize" }` objects in responses
    /// (`Layers`).
    LayerArns,
    /// Rendered, never read from a configuration body (`PackageType`, which
    /// `CreateFunction` reads with the code).
    Output,
    /// An object whose members are the value's ([`SettingValue::Object`]), each listed
    /// as (name in the value, Lambda's member name) (`VpcConfig`, `LoggingConfig`).
    Object(&'static [(&'static str, &'static str)]),
    /// A list of such objects ([`SettingValue::Objects`], `FileSystemConfigs`).
    ObjectList(&'static [(&'static str, &'static str)]),
    /// An object in requests; in responses the same object inside the named member
    /// of a wrapper (`ImageConfig` is read back as `ImageConfigResponse.ImageConfig`).
    WrappedObject(&'static str, &'static [(&'static str, &'static str)]),
}

/// A setting's value in the few shapes Lambda's API uses, for code that handles every
/// setting alike.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SettingValue {
    /// No value (an image function's runtime).
    Absent,
    /// A string (enums in Lambda's spelling).
    Text(String),
    /// A count.
    Number(u64),
    /// A list of strings.
    List(Vec<String>),
    /// A map of strings.
    Map(BTreeMap<String, String>),
    /// A flag (a member of an object).
    Bool(bool),
    /// An object by member name ([`Wire::Object`]); a member left out is absent.
    Object(BTreeMap<String, SettingValue>),
    /// A list of objects ([`Wire::ObjectList`]).
    Objects(Vec<BTreeMap<String, SettingValue>>),
}

/// Which [`SettingValue`] a setting holds when it has one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SettingKind {
    /// [`SettingValue::Text`].
    Text,
    /// [`SettingValue::Number`].
    Number,
    /// [`SettingValue::List`].
    List,
    /// [`SettingValue::Map`].
    Map,
    /// [`SettingValue::Object`].
    Object,
    /// [`SettingValue::Objects`].
    Objects,
}

/// A type a setting can have. A setting of a new type needs an impl here, next to the
/// list.
pub trait Setting: Sized {
    /// The shape of a present value.
    const KIND: SettingKind;
    /// The value in the shared shape.
    fn to_value(&self) -> SettingValue;
    /// Reads a value; the error says what is wrong with it (`unknown value x`).
    ///
    /// # Errors
    /// A value of the wrong shape, or one the type does not know.
    fn from_value(value: SettingValue) -> Result<Self, String>;
    /// True when an absent desired value means "not managed": the plan leaves the live
    /// value alone instead of resetting it to Lambda's default (the structured
    /// settings: `vpc`, `logging`, `file_systems`, `image_config`).
    const ABSENT_LEAVES_ALONE: bool = false;
}

/// Declares [`FunctionConfig`] and [`ConfigField`] from one list of settings.
macro_rules! function_config {
    ($(
        $(#[$attr:meta])*
        $field:ident: $ty:ty => $variant:ident {
            api: $api:literal,
            route: $route:ident,
            wire: $wire:expr,
            default: $default:expr $(,)?
        }
    ),* $(,)?) => {
        /// The configuration of a function, in the one shape desired and live state
        /// share: the manifest's model holds one, a plan's `DesiredConfig` wraps one
        /// (environment values by reference, hence the `E` parameter), `GetFunction`
        /// returns one and the emulator stores one.
        ///
        /// Optional fields are `None` where Lambda has no value (a zip function has no
        /// image URI; an image function has no runtime or handler). The name is not part
        /// of it: it identifies the function and sits beside the configuration.
        ///
        /// Adding a Lambda setting touches four files: its entry in the list in
        /// `lambda/config.rs` (which makes the field, its [`ConfigField`], its wire shape
        /// and its default), its SDK conversion in `lambda/sdk_convert.rs` (the compiler
        /// points there), and in `flotilla-core` its raw manifest key
        /// (`manifest/raw.rs`) and its validation (`model/validate.rs`). The diff, apply
        /// and the emulator handle every field of the list alike, so they need no edit.
        #[derive(
            Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema,
        )]
        pub struct FunctionConfig<E = String> {
            $($(#[$attr])* pub $field: $ty,)*
        }

        /// One setting of [`FunctionConfig`]: the list of fields an update sends, and
        /// what a diff names.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum ConfigField {
            $(
                #[doc = concat!("`", stringify!($field), "` (Lambda's `", $api, "`).")]
                $variant,
            )*
        }

        impl ConfigField {
            /// Every setting, in declaration order (the order diffs list them in).
            pub const ALL: &'static [ConfigField] = &[$(ConfigField::$variant),*];

            /// The field's name, as plans show it (`memory_mb`).
            pub fn name(self) -> &'static str {
                match self {
                    $(ConfigField::$variant => stringify!($field),)*
                }
            }

            /// Lambda's member name (`MemorySize`).
            pub fn api_name(self) -> &'static str {
                match self {
                    $(ConfigField::$variant => $api,)*
                }
            }

            /// The call that changes it.
            pub fn route(self) -> Route {
                match self {
                    $(ConfigField::$variant => Route::$route,)*
                }
            }

            /// Its shape on Lambda's wire.
            pub fn wire(self) -> Wire {
                match self {
                    $(ConfigField::$variant => $wire,)*
                }
            }

            /// The shape of a present value.
            pub fn kind(self) -> SettingKind {
                fn kind_of<T: Setting>(_: fn(&FunctionConfig) -> &T) -> SettingKind {
                    T::KIND
                }
                match self {
                    $(ConfigField::$variant => kind_of(|c| &c.$field),)*
                }
            }

            /// True when an absent desired value leaves the live one alone
            /// ([`Setting::ABSENT_LEAVES_ALONE`]).
            pub fn absent_leaves_alone(self) -> bool {
                fn of<T: Setting>(_: fn(&FunctionConfig) -> &T) -> bool {
                    T::ABSENT_LEAVES_ALONE
                }
                match self {
                    $(ConfigField::$variant => of(|c| &c.$field),)*
                }
            }

            /// The setting named `name` (as [`ConfigField::name`] spells it).
            pub fn from_name(name: &str) -> Option<Self> {
                Self::ALL.iter().copied().find(|f| f.name() == name)
            }
        }

        /// Lambda's defaults ([`FunctionConfig::lambda_defaults`]), so a configuration
        /// built from `..Default::default()` is one Lambda accepts.
        impl<E> Default for FunctionConfig<E> {
            fn default() -> Self {
                Self::lambda_defaults()
            }
        }

        impl<E> FunctionConfig<E> {
            /// A configuration with Lambda's default for every setting (an empty role).
            pub fn lambda_defaults() -> Self {
                FunctionConfig { $($field: $default,)* }
            }
        }

        impl<E: Clone + PartialEq> FunctionConfig<E> {
            /// The settings whose values differ from `other`'s, in declaration order.
            pub fn changed_fields(&self, other: &Self) -> Vec<ConfigField> {
                let mut out = Vec::new();
                $(
                    if self.$field != other.$field {
                        out.push(ConfigField::$variant);
                    }
                )*
                out
            }

            /// Sets the listed settings to `from`'s values.
            pub fn copy_fields(&mut self, from: &Self, fields: &[ConfigField]) {
                for field in fields {
                    match field {
                        $(ConfigField::$variant => self.$field.clone_from(&from.$field),)*
                    }
                }
            }
        }

        impl FunctionConfig {
            /// One setting's value.
            pub fn value(&self, field: ConfigField) -> SettingValue {
                match field {
                    $(ConfigField::$variant => Setting::to_value(&self.$field),)*
                }
            }

            /// Sets one setting.
            ///
            /// # Errors
            /// What is wrong with `value` for that setting.
            pub fn set_value(
                &mut self,
                field: ConfigField,
                value: SettingValue,
            ) -> Result<(), String> {
                match field {
                    $(ConfigField::$variant => self.$field = Setting::from_value(value)?,)*
                }
                Ok(())
            }
        }
    };
}

// The list. Field order is the plan file's and the schema's (`DesiredConfig` flattens
// this struct) and the order diffs list changes in.
function_config! {
    /// Execution role ARN.
    role: String => Role {
        api: "Role", route: Configuration, wire: Wire::Plain, default: String::new(),
    },
    /// Runtime; `None` for images.
    runtime: Option<String> => Runtime {
        api: "Runtime", route: Configuration, wire: Wire::Plain, default: None,
    },
    /// Handler; `None` for images.
    handler: Option<String> => Handler {
        api: "Handler", route: Configuration, wire: Wire::Plain, default: None,
    },
    /// Description.
    description: String => Description {
        api: "Description", route: Configuration, wire: Wire::Plain, default: String::new(),
    },
    /// Memory in MB.
    memory_mb: u32 => MemoryMb {
        api: "MemorySize", route: Configuration, wire: Wire::Plain, default: DEFAULT_MEMORY_MB,
    },
    /// Timeout in seconds.
    timeout_s: u32 => TimeoutS {
        api: "Timeout", route: Configuration, wire: Wire::Plain, default: DEFAULT_TIMEOUT_S,
    },
    /// Ephemeral storage in MB.
    ephemeral_storage_mb: u32 => EphemeralStorageMb {
        api: "EphemeralStorage", route: Configuration, wire: Wire::Member("Size"),
        default: DEFAULT_EPHEMERAL_STORAGE_MB,
    },
    /// Instruction set.
    architecture: Architecture => Architecture {
        api: "Architectures", route: Code, wire: Wire::OneItem, default: Architecture::X86_64,
    },
    /// The whole environment map (Lambda replaces it as a whole).
    environment: BTreeMap<String, E> => Environment {
        api: "Environment", route: Configuration, wire: Wire::Member("Variables"),
        default: BTreeMap::new(),
    },
    /// Layer ARNs, in order.
    layers: Vec<String> => Layers {
        api: "Layers", route: Configuration, wire: Wire::LayerArns, default: Vec::new(),
    },
    /// Zip or image.
    package_type: PackageType => PackageType {
        api: "PackageType", route: Replace, wire: Wire::Output, default: PackageType::Zip,
    },
    /// X-Ray tracing mode in Lambda's spelling (`Active`, `PassThrough`).
    #[serde(default = "tracing_default")]
    tracing: String => Tracing {
        api: "TracingConfig", route: Configuration, wire: Wire::Member("Mode"),
        default: TRACING_PASS_THROUGH.to_owned(),
    },
    /// KMS key that encrypts the environment; `None` for Lambda's own key.
    #[serde(default)]
    kms_key: Option<String> => KmsKey {
        api: "KMSKeyArn", route: Configuration, wire: Wire::Plain, default: None,
    },
    /// SQS queue or SNS topic for failed asynchronous invocations.
    #[serde(default)]
    dead_letter: Option<String> => DeadLetter {
        api: "DeadLetterConfig", route: Configuration, wire: Wire::Member("TargetArn"),
        default: None,
    },
    /// When SnapStart snapshots, in Lambda's spelling (`PublishedVersions`, `None`).
    #[serde(default = "snap_start_default")]
    snap_start: String => SnapStart {
        api: "SnapStart", route: Configuration, wire: Wire::Member("ApplyOn"),
        default: SNAP_START_NONE.to_owned(),
    },
    /// Subnets and security groups; `None` when the manifest does not manage it (the
    /// live value is left alone).
    #[serde(default)]
    vpc: Option<VpcConfig> => Vpc {
        api: "VpcConfig", route: Configuration, wire: Wire::Object(VPC_MEMBERS), default: None,
    },
    /// Log format, group and levels; `None` when not managed.
    #[serde(default)]
    logging: Option<LoggingConfig> => Logging {
        api: "LoggingConfig", route: Configuration, wire: Wire::Object(LOGGING_MEMBERS),
        default: None,
    },
    /// EFS access points mounted; `None` when not managed.
    #[serde(default)]
    file_systems: Option<Vec<FileSystem>> => FileSystems {
        api: "FileSystemConfigs", route: Configuration, wire: Wire::ObjectList(FILE_SYSTEM_MEMBERS),
        default: None,
    },
    /// An image function's command, entry point and working directory; `None` when not
    /// managed.
    #[serde(default)]
    image_config: Option<ImageConfig> => ImageConfig {
        api: "ImageConfig", route: Configuration,
        wire: Wire::WrappedObject("ImageConfigResponse", IMAGE_CONFIG_MEMBERS), default: None,
    },
}

fn tracing_default() -> String {
    TRACING_PASS_THROUGH.to_owned()
}

fn snap_start_default() -> String {
    SNAP_START_NONE.to_owned()
}

/// Lambda's default tracing mode.
pub const TRACING_PASS_THROUGH: &str = "PassThrough";
/// Lambda's tracing modes, as botocore's `TracingMode` lists them.
pub const TRACING_MODES: &[&str] = &["Active", TRACING_PASS_THROUGH];
/// Lambda's default SnapStart setting.
pub const SNAP_START_NONE: &str = "None";
/// Lambda's SnapStart settings, as botocore's `SnapStartApplyOn` lists them.
pub const SNAP_START_APPLY_ON: &[&str] = &["PublishedVersions", SNAP_START_NONE];

impl<E> FunctionConfig<E> {
    /// The same configuration with each environment value mapped by `f` (key, value).
    pub fn map_environment<F>(self, mut f: impl FnMut(&str, E) -> F) -> FunctionConfig<F> {
        // Destructured without `..`: a type-changing copy has to name every field.
        let FunctionConfig {
            role,
            runtime,
            handler,
            description,
            memory_mb,
            timeout_s,
            ephemeral_storage_mb,
            architecture,
            environment,
            layers,
            package_type,
            tracing,
            kms_key,
            dead_letter,
            snap_start,
            vpc,
            logging,
            file_systems,
            image_config,
        } = self;
        FunctionConfig {
            role,
            runtime,
            handler,
            description,
            memory_mb,
            timeout_s,
            ephemeral_storage_mb,
            architecture,
            environment: environment
                .into_iter()
                .map(|(k, v)| {
                    let v = f(&k, v);
                    (k, v)
                })
                .collect(),
            layers,
            package_type,
            tracing,
            kms_key,
            dead_letter,
            snap_start,
            vpc,
            logging,
            file_systems,
            image_config,
        }
    }
}

fn mismatch<T>(value: &SettingValue) -> Result<T, String> {
    Err(format!("unexpected value {value:?}"))
}

impl Setting for String {
    const KIND: SettingKind = SettingKind::Text;
    fn to_value(&self) -> SettingValue {
        SettingValue::Text(self.clone())
    }
    fn from_value(value: SettingValue) -> Result<Self, String> {
        match value {
            SettingValue::Text(s) => Ok(s),
            other => mismatch(&other),
        }
    }
}

impl Setting for Option<String> {
    const KIND: SettingKind = SettingKind::Text;
    fn to_value(&self) -> SettingValue {
        self.clone()
            .map_or(SettingValue::Absent, SettingValue::Text)
    }
    fn from_value(value: SettingValue) -> Result<Self, String> {
        match value {
            SettingValue::Absent => Ok(None),
            SettingValue::Text(s) => Ok(Some(s)),
            other => mismatch(&other),
        }
    }
}

impl Setting for u32 {
    const KIND: SettingKind = SettingKind::Number;
    fn to_value(&self) -> SettingValue {
        SettingValue::Number(u64::from(*self))
    }
    fn from_value(value: SettingValue) -> Result<Self, String> {
        match value {
            SettingValue::Number(n) => u32::try_from(n).map_err(|_| format!("{n} is too large")),
            other => mismatch(&other),
        }
    }
}

impl Setting for Vec<String> {
    const KIND: SettingKind = SettingKind::List;
    fn to_value(&self) -> SettingValue {
        SettingValue::List(self.clone())
    }
    fn from_value(value: SettingValue) -> Result<Self, String> {
        match value {
            SettingValue::List(items) => Ok(items),
            other => mismatch(&other),
        }
    }
}

impl Setting for BTreeMap<String, String> {
    const KIND: SettingKind = SettingKind::Map;
    fn to_value(&self) -> SettingValue {
        SettingValue::Map(self.clone())
    }
    fn from_value(value: SettingValue) -> Result<Self, String> {
        match value {
            SettingValue::Map(map) => Ok(map),
            other => mismatch(&other),
        }
    }
}

impl Setting for Architecture {
    const KIND: SettingKind = SettingKind::Text;
    fn to_value(&self) -> SettingValue {
        SettingValue::Text(self.as_api_str().to_owned())
    }
    fn from_value(value: SettingValue) -> Result<Self, String> {
        match value {
            SettingValue::Text(s) => {
                Architecture::from_api_str(&s).ok_or_else(|| format!("unknown value {s}"))
            }
            other => mismatch(&other),
        }
    }
}

impl Setting for PackageType {
    const KIND: SettingKind = SettingKind::Text;
    fn to_value(&self) -> SettingValue {
        SettingValue::Text(self.as_api_str().to_owned())
    }
    fn from_value(value: SettingValue) -> Result<Self, String> {
        match value {
            SettingValue::Text(s) => {
                PackageType::from_api_str(&s).ok_or_else(|| format!("unknown value {s}"))
            }
            other => mismatch(&other),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A configuration whose every setting differs from the default's.
    fn all_set() -> FunctionConfig {
        let mut c = FunctionConfig::lambda_defaults();
        for &field in ConfigField::ALL {
            let value = match (field.kind(), c.value(field)) {
                (SettingKind::Text, SettingValue::Text(s))
                    if field == ConfigField::Architecture =>
                {
                    SettingValue::Text(if s == "arm64" { "x86_64" } else { "arm64" }.to_owned())
                }
                (SettingKind::Text, _) if field == ConfigField::PackageType => {
                    SettingValue::Text("Image".to_owned())
                }
                (SettingKind::Text, _) => SettingValue::Text(format!("{}-x", field.name())),
                (SettingKind::Number, SettingValue::Number(n)) => SettingValue::Number(n + 1),
                (SettingKind::Number, _) => SettingValue::Number(1),
                (SettingKind::List, _) => SettingValue::List(vec!["x".to_owned()]),
                (SettingKind::Map, _) => {
                    SettingValue::Map(BTreeMap::from([("K".to_owned(), "v".to_owned())]))
                }
                (SettingKind::Object, _) => SettingValue::Object(BTreeMap::new()),
                (SettingKind::Objects, _) => SettingValue::Objects(Vec::new()),
            };
            assert_eq!(c.set_value(field, value), Ok(()), "{field:?}");
        }
        c
    }

    #[test]
    fn every_field_is_listed_once_with_its_own_names() {
        let names: std::collections::BTreeSet<_> =
            ConfigField::ALL.iter().map(|f| f.name()).collect();
        let api: std::collections::BTreeSet<_> =
            ConfigField::ALL.iter().map(|f| f.api_name()).collect();
        assert_eq!(names.len(), ConfigField::ALL.len());
        assert_eq!(api.len(), ConfigField::ALL.len());
        for &f in ConfigField::ALL {
            assert_eq!(ConfigField::from_name(f.name()), Some(f));
        }
    }

    #[test]
    fn values_round_trip_and_copies_take_only_the_listed_fields() {
        let base = FunctionConfig::<String>::lambda_defaults();
        let set = all_set();
        assert_eq!(set.changed_fields(&base), ConfigField::ALL);
        for &field in ConfigField::ALL {
            let mut copy = base.clone();
            copy.set_value(field, set.value(field)).unwrap_or_default();
            assert_eq!(copy.changed_fields(&base), [field]);
            let mut copied = base.clone();
            copied.copy_fields(&set, &[field]);
            assert_eq!(copied, copy, "{field:?}");
        }
    }
}
