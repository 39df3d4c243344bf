//! The `url` section as written (a function URL), and how it is read.

use std::borrow::Cow;

use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};

use super::node::{Node, Value};
use super::raw::Sp;
use super::read::Reader;
use super::read_settings::ReadValue;

/// `url`: a function URL's settings, or `false` to remove it.
#[derive(Debug, Clone, PartialEq)]
pub enum RawUrl {
    /// `url: false` (removes the URL) or `url: true` (refused: settings are needed).
    Flag(Sp<bool>),
    /// The settings.
    Set(Box<RawUrlConfig>),
}

/// A function URL's settings as written.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RawUrlConfig {
    /// `none` or `aws_iam` (required).
    pub auth: Option<Sp<String>>,
    /// `buffered` (default) or `response_stream`.
    pub invoke_mode: Option<Sp<String>>,
    /// Cross-origin resource sharing.
    pub cors: Option<Sp<RawCors>>,
}

/// The CORS settings of a function URL as written.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RawCors {
    /// `allow_origins`.
    pub allow_origins: Option<Sp<Vec<Sp<String>>>>,
    /// `allow_methods`.
    pub allow_methods: Option<Sp<Vec<Sp<String>>>>,
    /// `allow_headers`.
    pub allow_headers: Option<Sp<Vec<Sp<String>>>>,
    /// `expose_headers`.
    pub expose_headers: Option<Sp<Vec<Sp<String>>>>,
    /// `allow_credentials`.
    pub allow_credentials: Option<Sp<bool>>,
    /// `max_age`, seconds.
    pub max_age: Option<Sp<u32>>,
}

const URL_KEYS: [&str; 3] = ["auth", "invoke_mode", "cors"];
const CORS_KEYS: [&str; 6] = [
    "allow_origins",
    "allow_methods",
    "allow_headers",
    "expose_headers",
    "allow_credentials",
    "max_age",
];

impl ReadValue for Sp<RawUrl> {
    fn read_value(r: &mut Reader<'_>, node: &Node, path: &str) -> Option<Self> {
        if let Value::Bool(b) = node.value {
            return Some(Sp::new(RawUrl::Flag(Sp::new(b, node.pos)), node.pos));
        }
        let f = r.map(node, path, &URL_KEYS)?;
        let cors = r.field(&f, path, "cors", |r, n, p| {
            let c = r.map(n, p, &CORS_KEYS)?;
            let list =
                |r: &mut Reader<'_>, n: &Node, p: &str| r.strings(n, p).map(|v| Sp::new(v, n.pos));
            Some(Sp::new(
                RawCors {
                    allow_origins: r.field(&c, p, "allow_origins", list),
                    allow_methods: r.field(&c, p, "allow_methods", list),
                    allow_headers: r.field(&c, p, "allow_headers", list),
                    expose_headers: r.field(&c, p, "expose_headers", list),
                    allow_credentials: r.field(&c, p, "allow_credentials", Reader::bool),
                    max_age: r.field(&c, p, "max_age", Reader::u32),
                },
                n.pos,
            ))
        });
        Some(Sp::new(
            RawUrl::Set(Box::new(RawUrlConfig {
                auth: r.field(&f, path, "auth", Reader::string),
                invoke_mode: r.field(&f, path, "invoke_mode", Reader::string),
                cors,
            })),
            node.pos,
        ))
    }
}

impl JsonSchema for RawUrl {
    fn schema_name() -> Cow<'static, str> {
        "RawUrl".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        let strings = |desc: &str, max_items: u32, max_len: u32| {
            serde_json::json!({
                "description": desc,
                "type": "array",
                "maxItems": max_items,
                "items": { "type": "string", "minLength": 1, "maxLength": max_len }
            })
        };
        json_schema!({
            "description": "A function URL (on the alias when the function has one): its settings, or `false` to delete it.",
            "anyOf": [
                { "type": "boolean", "const": false },
                {
                    "type": "object",
                    "additionalProperties": false,
                    "required": ["auth"],
                    "properties": {
                        "auth": {
                            "description": "`none`: public (Flotilla adds the policy statements that allow it); `aws_iam`: callers sign with IAM.",
                            "type": "string",
                            "enum": ["none", "aws_iam"]
                        },
                        "invoke_mode": {
                            "description": "`buffered` (Lambda's default) or `response_stream`.",
                            "type": "string",
                            "enum": ["buffered", "response_stream"],
                            "default": "buffered"
                        },
                        "cors": {
                            "description": "Cross-origin resource sharing of the URL; absent: none.",
                            "type": "object",
                            "additionalProperties": false,
                            "properties": {
                                "allow_origins": strings("Origins allowed, e.g. `https://example.com`, or `*`.", 100, 253),
                                "allow_methods": {
                                    "description": "HTTP methods allowed, or `*`.",
                                    "type": "array",
                                    "maxItems": 6,
                                    "items": { "type": "string", "enum": ["*", "GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"] }
                                },
                                "allow_headers": strings("Request headers allowed.", 100, 1024),
                                "expose_headers": strings("Response headers the browser may read.", 100, 1024),
                                "allow_credentials": { "description": "Whether cookies and credentials are allowed (default false).", "type": "boolean" },
                                "max_age": { "description": "Seconds a browser may cache the preflight answer, 0–86400 (default 0).", "type": "integer", "minimum": 0, "maximum": 86400 }
                            }
                        }
                    }
                }
            ]
        })
    }
}
