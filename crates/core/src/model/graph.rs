//! `depends_on`: unknown targets and cycles.

use std::collections::BTreeMap;

use crate::manifest::Problem;
use crate::manifest::raw::Sp;

/// Checks every `depends_on` entry names a function and that no cycle exists.
/// `deps` lists, in manifest order, each function key with its (positioned) dependencies.
pub(crate) fn check(deps: &[(String, Vec<Sp<String>>)], problems: &mut Vec<Problem>) {
    let index: BTreeMap<&str, usize> = deps
        .iter()
        .enumerate()
        .map(|(i, (k, _))| (k.as_str(), i))
        .collect();
    for (key, targets) in deps {
        for target in targets {
            if !index.contains_key(target.value.as_str()) {
                let mut p = Problem::new(
                    target.pos,
                    format!(
                        "`functions.{key}.depends_on` names `{}`, which is not a function of this manifest",
                        target.value
                    ),
                    "unknown function",
                );
                p = match crate::manifest::suggest(&target.value, index.keys().copied()) {
                    Some(s) => p.help(format!("did you mean `{s}`?")),
                    None => p.help(format!(
                        "known functions: {}",
                        index.keys().copied().collect::<Vec<_>>().join(", ")
                    )),
                };
                problems.push(p);
            }
        }
    }
    // Depth-first search; a back edge closes a cycle, reported once at that edge.
    #[derive(Clone, Copy, PartialEq)]
    enum Mark {
        New,
        Open,
        Done,
    }
    let mut marks = vec![Mark::New; deps.len()];
    let mut stack: Vec<usize> = Vec::new();
    fn visit(
        node: usize,
        deps: &[(String, Vec<Sp<String>>)],
        index: &BTreeMap<&str, usize>,
        marks: &mut [Mark],
        stack: &mut Vec<usize>,
        problems: &mut Vec<Problem>,
    ) {
        marks[node] = Mark::Open;
        stack.push(node);
        for target in &deps[node].1 {
            let Some(&next) = index.get(target.value.as_str()) else {
                continue;
            };
            match marks[next] {
                Mark::New => visit(next, deps, index, marks, stack, problems),
                Mark::Open => {
                    let start = stack.iter().position(|&n| n == next).unwrap_or(0);
                    let mut names: Vec<&str> =
                        stack[start..].iter().map(|&n| deps[n].0.as_str()).collect();
                    names.push(deps[next].0.as_str());
                    problems.push(
                        Problem::new(target.pos, format!("dependency cycle: {}", names.join(" → ")), "closes the cycle")
                            .help("remove one of these `depends_on` entries; functions can only be ordered if the dependencies form no loop"),
                    );
                }
                Mark::Done => {}
            }
        }
        stack.pop();
        marks[node] = Mark::Done;
    }
    for i in 0..deps.len() {
        if marks[i] == Mark::New {
            visit(i, deps, &index, &mut marks, &mut stack, problems);
        }
    }
}
