//! `permissions`: the steps that make the live policy match the manifest
//! (RemovePermission of statements the manifest does not have or has differently, then
//! AddPermission of the missing ones: Lambda has no update of a statement).

use crate::model::Function;
use crate::observe::LiveFunction;
use crate::observe::around_url::{LiveStatement, qualifier};

use super::types::Step;

/// The steps that make the live policy hold exactly the manifest's statements
/// (nothing when the manifest has no `permissions`): removals first, then additions.
pub fn permission_steps(f: &Function, live: &LiveFunction) -> Vec<Step> {
    let Some(want) = &f.permissions else {
        return Vec::new();
    };
    let q = qualifier(f.alias.as_ref().map(|a| a.as_str()));
    let have: &[LiveStatement] = live
        .policy
        .as_ref()
        .map(|p| p.statements.as_slice())
        .unwrap_or_default();
    let mut removes = Vec::new();
    let mut adds = Vec::new();
    for s in have {
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
    for (sid, w) in want {
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
