//! `code_signing_config`: the code signing configuration a function uses
//! (PutFunctionCodeSigningConfig). Taken from the last layer that has it, like every
//! scalar setting; absent, the live one is left alone; `false` removes it.

use flotilla_cloud::lambda::{
    code_signing_config_account, code_signing_config_region, is_code_signing_config_arn,
};

use crate::manifest::Problem;
use crate::manifest::interpolate::Context;
use crate::manifest::raw::{RawCodeSigning, Sp};
use crate::model::around_async::Managed;

use super::layers::Layers;
use super::validate::Validator;

/// An example the help texts give.
const EXAMPLE: &str =
    "arn:aws:lambda:eu-north-1:${account}:code-signing-config:csc-0123456789abcdef0";

impl<'a> Validator<'a> {
    /// The function's `code_signing_config`: `Some(None)` when absent (left alone),
    /// `None` when refused.
    pub(crate) fn code_signing(
        &mut self,
        layers: &Layers<'a>,
        ctx: &Context<'_>,
        path: &str,
        is_image: bool,
    ) -> Option<Option<Managed<String>>> {
        let path = format!("{path}.code_signing_config");
        let Some(src) = layers.pick(|s| s.code_signing_config.as_ref()) else {
            return Some(None);
        };
        let arn = match &src.value {
            RawCodeSigning::Off => return Some(Some(Managed::Remove)),
            RawCodeSigning::Arn(arn) => arn,
        };
        if is_image {
            self.push(
                Problem::new(
                    src.pos,
                    format!("`{path}`: Lambda checks code signatures of .zip packages only"),
                    "image function",
                )
                .help("a container image function cannot use a code signing configuration; remove `code_signing_config` from it"),
            );
            return None;
        }
        let value = self.text(arn, ctx, &path)?;
        self.code_signing_arn(arn, &value, ctx, &path)
            .map(|v| Some(Managed::Set(v)))
    }

    fn code_signing_arn(
        &mut self,
        src: &Sp<String>,
        value: &str,
        ctx: &Context<'_>,
        path: &str,
    ) -> Option<String> {
        if !is_code_signing_config_arn(value) {
            self.push(
                Problem::new(
                    src.pos,
                    format!("`{path}` is `{value}`, not a code signing configuration ARN"),
                    "not a code signing configuration",
                )
                .help(format!(
                    "write the ARN CreateCodeSigningConfig returned, e.g. `{EXAMPLE}` (`csc-` and 17 lower-case letters or digits), or `false` to remove it"
                )),
            );
            return None;
        }
        if let (Some(there), Some(here)) = (code_signing_config_region(value), ctx.region)
            && there != here
        {
            self.push(
                Problem::new(
                    src.pos,
                    format!("`{path}` is in {there}, not in the function's region {here}"),
                    "another region",
                )
                .help("a function uses a code signing configuration of its own region; use `${region}` in the ARN, or the configuration created in that region"),
            );
            return None;
        }
        if let (Some(there), Some(here)) = (code_signing_config_account(value), ctx.account)
            && there != here
        {
            self.push(
                Problem::new(
                    src.pos,
                    format!("`{path}` is in account {there}, not in the function's account {here}"),
                    "another account",
                )
                .help("a function uses a code signing configuration of its own account; use `${account}` in the ARN"),
            );
            return None;
        }
        Some(value.to_owned())
    }
}
