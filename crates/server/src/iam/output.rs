//! How IAM entities are written in responses: which members each action returns (AWS returns
//! fewer from Create and List than from Get), tags, pagination, URL-encoded policy documents.

use fedgate_store::{ManagedPolicy, Page, Role, Tag};

use crate::aws::percent;
use crate::aws::xml::XmlWriter;

use super::arn;

/// Which action a role or policy is written for.
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
pub(super) enum View {
    /// `CreateRole`, `CreatePolicy`: no description, no `MaxSessionDuration`, tags if any.
    Create,
    /// `GetRole`, `GetPolicy`: every member.
    Get,
    /// `ListRoles`, `ListPolicies`: no tags (and no policy description).
    List,
}

/// A policy document as IAM returns it: percent-encoded (RFC 3986, every byte but the
/// unreserved ones), which botocore decodes with `unquote` before `json.loads`.
pub(super) fn url_encoded(document: &str) -> String {
    let mut out = Vec::with_capacity(document.len().saturating_mul(2));
    percent::encode_into(&mut out, document.as_bytes(), false);
    String::from_utf8(out).unwrap_or_default()
}

/// `<Tags>` with one `<member><Key/><Value/></member>` per tag (an empty list stays `<Tags>`).
pub(super) fn tags(xml: &mut XmlWriter, tags: &[Tag]) {
    xml.list("Tags", tags, |xml, tag| {
        xml.text_element("Key", &tag.key);
        xml.text_element("Value", &tag.value);
    });
}

/// `IsTruncated` and, when it is true, `Marker`.
pub(super) fn pagination<T>(xml: &mut XmlWriter, page: &Page<T>) {
    xml.boolean_element("IsTruncated", page.next.is_some());
    if let Some(marker) = &page.next {
        xml.text_element("Marker", marker.as_str());
    }
}

/// The members of a `Role` structure.
pub(super) fn role(xml: &mut XmlWriter, account: &str, role: &Role, role_tags: &[Tag], view: View) {
    let arn = arn::role(account, role.path.as_str(), role.name.as_str());
    xml.text_element("Path", role.path.as_str());
    xml.text_element("RoleName", role.name.as_str());
    xml.text_element("RoleId", role.id.as_str());
    xml.text_element("Arn", &arn);
    xml.timestamp_element("CreateDate", role.created_at);
    xml.text_element("AssumeRolePolicyDocument", &url_encoded(&role.trust_policy));
    if view != View::Create {
        xml.optional_element("Description", role.description.as_deref());
        xml.integer_element("MaxSessionDuration", i64::from(role.max_session_duration));
    }
    if view != View::List && !role_tags.is_empty() {
        tags(xml, role_tags);
    }
    if view == View::Get {
        xml.element("RoleLastUsed", |_| {});
    }
}

/// The members of a `Policy` structure.
pub(super) fn policy(
    xml: &mut XmlWriter,
    account: &str,
    policy: &ManagedPolicy,
    policy_tags: &[Tag],
    view: View,
) {
    xml.text_element("PolicyName", policy.key.name.as_str());
    xml.text_element("PolicyId", policy.id.as_str());
    xml.text_element("Arn", &arn::policy(account, &policy.key));
    xml.text_element("Path", policy.key.path.as_str());
    xml.text_element("DefaultVersionId", policy.default_version.as_str());
    xml.integer_element("AttachmentCount", i64::from(policy.attachment_count));
    xml.integer_element("PermissionsBoundaryUsageCount", 0);
    xml.boolean_element("IsAttachable", true);
    if view == View::Get {
        xml.optional_element("Description", policy.description.as_deref());
    }
    xml.timestamp_element("CreateDate", policy.created_at);
    xml.timestamp_element("UpdateDate", policy.updated_at);
    match view {
        View::Get => tags(xml, policy_tags),
        View::Create if !policy_tags.is_empty() => tags(xml, policy_tags),
        View::Create | View::List => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documents_are_percent_encoded_except_unreserved_characters() {
        assert_eq!(
            url_encoded(r#"{"a": "b/c~d_e.f-g+h é"}"#),
            "%7B%22a%22%3A%20%22b%2Fc~d_e.f-g%2Bh%20%C3%A9%22%7D"
        );
    }
}
