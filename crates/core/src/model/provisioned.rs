//! `provisioned_concurrency`: environments Lambda keeps initialized for the function's
//! alias. Configured on the alias, never on `$LATEST`, so it needs `publish: true` and
//! an `alias`; `0` removes what Flotilla manages; absent leaves the live configuration
//! alone.

use crate::manifest::Problem;

use super::layers::Layers;
use super::validate::Validator;

impl<'a> Validator<'a> {
    /// The layered `provisioned_concurrency` of a function: `Some(0)` removes it,
    /// `Some(n)` keeps `n` environments on the alias, `None` leaves it alone. Lambda's
    /// rule with reserved concurrency: the provisioned concurrency of a function cannot
    /// exceed its reserved concurrency.
    pub(crate) fn provisioned_concurrency(
        &mut self,
        layers: &Layers<'a>,
        path: &str,
        publish: bool,
        has_alias: bool,
        reserved: Option<u32>,
    ) -> Option<u32> {
        let n = layers.pick(|s| s.provisioned_concurrency.as_ref())?;
        let key = format!("{path}.provisioned_concurrency");
        if n.value == 0 {
            return Some(0);
        }
        if !publish {
            self.push(
                Problem::new(
                    n.pos,
                    format!("`{key}` needs `publish: true` and an `alias`"),
                    "provisioned concurrency on $LATEST",
                )
                .help("provisioned concurrency is configured on the alias, never on `$LATEST`: add `publish: true` and `alias: live` (or remove the key)"),
            );
            return None;
        }
        if !has_alias {
            self.push(
                Problem::new(
                    n.pos,
                    format!("`{key}` needs an `alias`"),
                    "provisioned concurrency without an alias",
                )
                .help("provisioned concurrency is configured on the alias, never on `$LATEST`: add `alias: live` (or remove the key)"),
            );
            return None;
        }
        if let Some(reserved) = reserved
            && n.value > reserved
        {
            self.push(
                Problem::new(
                    n.pos,
                    format!(
                        "`{key}` is {}, more than the function's `reserved_concurrency` of {reserved}",
                        n.value
                    ),
                    "more than the reserved concurrency",
                )
                .help(format!(
                    "Lambda allocates provisioned concurrency out of the function's reserved concurrency: lower `provisioned_concurrency` to at most {reserved}, or raise `reserved_concurrency`"
                )),
            );
            return None;
        }
        Some(n.value)
    }
}
