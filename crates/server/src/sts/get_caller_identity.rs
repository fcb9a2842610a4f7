//! `GetCallerIdentity`: the caller's account, user id and ARN.

use crate::auth::Caller;
use crate::aws::query::QueryApi;
use crate::aws::xml::QueryResponse;
use crate::query_api::Call;

/// Answers with the authenticated caller's identity.
pub fn handle(call: &Call<'_>, caller: &Caller) -> QueryResponse {
    QueryResponse::new(QueryApi::Sts, "GetCallerIdentity", call.request_id, |xml| {
        xml.text_element("UserId", &caller.user_id());
        xml.text_element("Account", caller.account());
        xml.text_element("Arn", &caller.arn());
    })
}
