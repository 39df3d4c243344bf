//! `permissions`: the steps that make the live policy match the manifest
//! (RemovePermission of statements the manifest does not have or has differently, then
//! AddPermission of the missing ones: Lambda has no update of a statement), and the
//! public-access statements of a `url` with `auth: none`.

use std::collections::BTreeMap;

use flotilla_cloud::lambda::Permission;

use crate::model::Function;
use crate::model::around_async::Managed;
use crate::model::function_url::{URL_SIDS, url_statements};
use crate::observe::LiveFunction;
use crate::observe::permissions::{LiveStatement, qualifier};

use super::types::Step;

/// The steps that make the live policy hold exactly the manifest's statements
/// (nothing when the manifest has neither `permissions` nor `url`): removals first,
/// then additions. The statement ids of [`URL_SIDS`] belong to `url` (its public-access
/// statements), never to `permissions`, unless `permissions` lists them itself and
/// there is no `url`.
pub fn permission_steps(f: &Function, live: &LiveFunction) -> Vec<Step> {
    let listed = |sid: &str| f.permissions.as_ref().is_some_and(|p| p.contains_key(sid));
    let url_owns = |sid: &str| URL_SIDS.contains(&sid) && (f.url.is_some() || !listed(sid));
    let owned = |sid: &str| {
        if URL_SIDS.contains(&sid) {
            f.url.is_some() || listed(sid)
        } else {
            f.permissions.is_some()
        }
    };
    let mut want: BTreeMap<String, Permission> = f
        .permissions
        .iter()
        .flatten()
        .filter(|(sid, _)| !url_owns(sid))
        .map(|(sid, p)| (sid.clone(), p.clone()))
        .collect();
    if let Some(Managed::Set(settings)) = &f.url {
        want.extend(
            url_statements(settings)
                .into_iter()
                .map(|p| (p.sid.clone(), p)),
        );
    }
    if f.permissions.is_none() && f.url.is_none() {
        return Vec::new();
    }
    let q = qualifier(f.alias.as_ref().map(|a| a.as_str()));
    let have: &[LiveStatement] = live
        .policy
        .as_ref()
        .map(|p| p.statements.as_slice())
        .unwrap_or_default();
    let mut removes = Vec::new();
    let mut adds = Vec::new();
    for s in have.iter().filter(|s| owned(&s.permission.sid)) {
        match want.get(&s.permission.sid) {
            Some(w) if s.exact && *w == s.permission => {}
            Some(_) => removes.push(Step::RemovePermission {
                qualifier: q.clone(),
                sid: s.permission.sid.clone(),
                replaced: true,
            }),
            None => removes.push(Step::RemovePermission {
                qualifier: q.clone(),
                sid: s.permission.sid.clone(),
                replaced: false,
            }),
        }
    }
    for (sid, w) in &want {
        let live = have.iter().find(|s| s.permission.sid == *sid);
        let unchanged = live.is_some_and(|s| s.exact && s.permission == *w);
        if !unchanged {
            adds.push(Step::AddPermission {
                qualifier: q.clone(),
                permission: w.clone(),
                replaced: live.is_some(),
            });
        }
    }
    removes.extend(adds);
    removes
}
