//! `fedgate policy eval`: an offline IAM policy simulator.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Subcommand;
use fedgate_policy::{
    Arn, Context, Decision, Layer, Policy, PolicyError, PolicyKind, PolicySet, Principal, Request,
    Verdict,
};

/// `fedgate policy …`
#[derive(Debug, Subcommand)]
pub(crate) enum PolicyCommand {
    /// Decides one request against IAM policies and prints the deciding statements.
    ///
    /// The first word of standard output is `Allow`, `ExplicitDeny` or `ImplicitDeny`; the
    /// deciding statements follow, one a line. Exit status: 0 Allow, 1 ExplicitDeny or
    /// ImplicitDeny, 2 a malformed policy (`MalformedPolicyDocument: <IAM's message>` on
    /// standard output), a usage error or an unreadable file.
    #[command(verbatim_doc_comment)]
    Eval(EvalArgs),
}

/// The arguments of `fedgate policy eval`.
#[derive(Debug, clap::Args)]
pub(crate) struct EvalArgs {
    /// Identity-based policy files (`-` for standard input); with --trust, the role trust policy.
    #[arg(long = "policy", value_name = "FILE", num_args = 1.., required = true)]
    policies: Vec<PathBuf>,
    /// The policy is a role trust policy: Principal required and matched against --principal,
    /// no Resource (--resource may be given and is ignored).
    #[arg(long)]
    trust: bool,
    /// A session policy: the session's permissions are its intersection with the policies.
    #[arg(long, value_name = "FILE", conflicts_with = "trust")]
    session_policy: Option<PathBuf>,
    /// A permissions boundary: it must allow too.
    #[arg(long, value_name = "FILE", conflicts_with = "trust")]
    boundary: Option<PathBuf>,
    /// The action, `service:Action` (matched case-insensitively).
    #[arg(long, value_name = "A")]
    action: String,
    /// The resource ARN (required unless --trust).
    #[arg(long, value_name = "ARN", required_unless_present = "trust")]
    resource: Option<String>,
    /// Who asks: a SAML or OIDC provider ARN (Federated), another IAM or STS ARN (AWS), or a
    /// service name such as ec2.amazonaws.com (Service).
    #[arg(long, value_name = "ARN")]
    principal: Option<String>,
    /// A context key: KEY=TYPE:VALUE with TYPE string | strings (comma list; `KEY=strings:` is
    /// the empty list) | number | bool | date | ip | arn | binary (base64). Only the given keys
    /// are in the context; repeating a key adds values.
    #[arg(long, value_name = "KEY=TYPE:VALUE")]
    context: Vec<String>,
    /// Print the decision as JSON.
    #[arg(long)]
    json: bool,
}

/// Runs one `fedgate policy` subcommand.
pub(crate) fn run(command: PolicyCommand) -> ExitCode {
    match command {
        PolicyCommand::Eval(args) => match eval(&args) {
            Ok(code) | Err(code) => code,
        },
    }
}

/// A policy file and what it parsed to.
struct Loaded {
    name: String,
    policy: Policy,
}

fn eval(args: &EvalArgs) -> Result<ExitCode, ExitCode> {
    if args.trust && args.policies.len() != 1 {
        return Err(super::usage_error(
            "--trust takes exactly one --policy (a role has one trust policy)",
        ));
    }
    let primary_kind = if args.trust {
        PolicyKind::Trust
    } else {
        PolicyKind::Identity
    };
    let primary = args
        .policies
        .iter()
        .map(|path| load(path, primary_kind))
        .collect::<Result<Vec<_>, _>>()?;
    let boundary = args
        .boundary
        .as_deref()
        .map(|p| load(p, PolicyKind::Boundary))
        .transpose()?;
    let session = args
        .session_policy
        .as_deref()
        .map(|p| load(p, PolicyKind::Session))
        .transpose()?;

    let mut context = Context::new();
    for entry in &args.context {
        let (key, values) = fedgate_policy::parse_context_entry(entry)
            .map_err(|error| super::usage_error(format!("--context: {error}")))?;
        context.insert_all(&key, values);
    }
    let resource = match (&args.resource, args.trust) {
        (Some(text), false) => Some(
            Arn::parse(text).map_err(|error| super::usage_error(format!("--resource: {error}")))?,
        ),
        _ => None,
    };
    let principal = args.principal.as_deref().map(Principal::classify);

    let primary_policies: Vec<Policy> = primary.iter().map(|l| l.policy.clone()).collect();
    let session_policies: Vec<Policy> = session.iter().map(|l| l.policy.clone()).collect();
    let set = PolicySet {
        identity: if args.trust { &[] } else { &primary_policies },
        trust: if args.trust {
            primary_policies.first()
        } else {
            None
        },
        boundary: boundary.as_ref().map(|l| &l.policy),
        session: &session_policies,
    };
    let request = Request {
        principal: principal.as_ref(),
        action: &args.action,
        resource: resource.as_ref(),
        context: &context,
    };
    let decision = fedgate_policy::evaluate(&set, &request);
    let names = |layer: Layer, index: usize| -> &str {
        let loaded = match layer {
            Layer::Trust | Layer::Identity => primary.get(index),
            Layer::Boundary => boundary.as_ref(),
            Layer::Session => session.as_ref(),
        };
        loaded.map_or("?", |l| l.name.as_str())
    };
    if args.json {
        println!("{}", as_json(&decision, &names));
    } else {
        print!("{}", as_text(&decision, &names, args));
    }
    Ok(match decision.effect() {
        Verdict::Allow => ExitCode::SUCCESS,
        Verdict::ExplicitDeny | Verdict::ImplicitDeny => ExitCode::from(1),
    })
}

/// Reads and parses one policy file; on failure prints the error and gives exit code 2.
fn load(path: &Path, kind: PolicyKind) -> Result<Loaded, ExitCode> {
    let name = path.display().to_string();
    let bytes =
        super::read_input(path).map_err(|error| super::usage_error(format!("{name}: {error}")))?;
    let text = String::from_utf8(bytes)
        .map_err(|_| super::usage_error(format!("{name}: not UTF-8 text")))?;
    match Policy::parse(&text, kind) {
        Ok(policy) => Ok(Loaded { name, policy }),
        Err(error) => {
            let code = match &error {
                PolicyError::Malformed(malformed) => {
                    eprintln!("error: {name} ({} policy): {malformed}", kind.name());
                    "MalformedPolicyDocument"
                }
                _ => {
                    eprintln!("error: {name} ({} policy): {error}", kind.name());
                    "LimitExceeded"
                }
            };
            println!("{code}: {}", error.aws_message());
            Err(ExitCode::from(2))
        }
    }
}

fn as_text<'n>(
    decision: &Decision<'_>,
    names: &impl Fn(Layer, usize) -> &'n str,
    args: &EvalArgs,
) -> String {
    let mut out = format!("{}\n", decision.effect());
    for statement in decision.deciding() {
        let sid = statement
            .sid
            .map(|sid| format!(" (Sid {sid:?})"))
            .unwrap_or_default();
        out.push_str(&format!(
            "  {:?} by {} policy {} statement {}{sid}\n",
            statement.effect,
            statement.layer.name(),
            names(statement.layer, statement.policy),
            statement.statement,
        ));
    }
    if let Some(layer) = decision.missing_allow() {
        let on = match (&args.resource, args.trust) {
            (Some(resource), false) => format!(" on {resource}"),
            _ => String::new(),
        };
        out.push_str(&format!(
            "  no statement of the {} policies allows {}{on}\n",
            layer.name(),
            args.action
        ));
    }
    out
}

fn as_json<'n>(decision: &Decision<'_>, names: &impl Fn(Layer, usize) -> &'n str) -> String {
    let deciding: Vec<serde_json::Value> = decision
        .deciding()
        .iter()
        .map(|statement| {
            serde_json::json!({
                "layer": statement.layer.name(),
                "policy": names(statement.layer, statement.policy),
                "statement": statement.statement,
                "sid": statement.sid,
                "effect": format!("{:?}", statement.effect),
            })
        })
        .collect();
    serde_json::json!({
        "decision": decision.effect().to_string(),
        "deciding": deciding,
        "missing_allow": decision.missing_allow().map(Layer::name),
    })
    .to_string()
}
