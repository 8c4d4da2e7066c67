//! `data "aws_eks_cluster_auth"`: a bearer token for the Kubernetes API of an EKS cluster, as
//! `aws eks get-token` makes it. The token is an STS GetCallerIdentity request presigned with the
//! provider's credentials, with the cluster's name in the signed `x-k8s-aws-id` header; the
//! cluster's authenticator sends it to STS to learn who the caller is. It is made here, with no
//! call to AWS, is valid for a minute after signing (the authenticator allows 15), and is
//! sensitive: neither it nor the URL it encodes appears in any message.

use std::time::{Duration, SystemTime};

use aws_credential_types::provider::ProvideCredentials;
use aws_sigv4::http_request::{
    sign, SignableBody, SignableRequest, SignatureLocation, SigningSettings,
};
use aws_sigv4::sign::v4;
use aws_smithy_runtime_api::client::identity::Identity;
use base64::Engine;
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};

use super::handle::Aws;
use crate::lang::types::Type;
use crate::lang::value::Value;
use crate::providers::resource::{
    complete, Attrs, BoxFuture, DataSource, OpContext, ProviderError,
};
use crate::providers::schema::{AttributeSchema, ResourceSchema};

pub struct EksClusterAuth {
    schema: ResourceSchema,
}

/// How long a presigned token is valid.
const EXPIRES: Duration = Duration::from_secs(60);

/// What precedes the encoded URL in a token.
const PREFIX: &str = "k8s-aws-v1.";

/// Query values as SigV4 encodes them: everything but unreserved characters.
const QUERY: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

impl EksClusterAuth {
    pub fn new() -> EksClusterAuth {
        EksClusterAuth {
            schema: ResourceSchema {
                type_name: "aws_eks_cluster_auth",
                description: "A token for the Kubernetes API of an EKS cluster.",
                attributes: vec![
                    AttributeSchema::required("name", Type::String).describe("The cluster's name."),
                    AttributeSchema::computed("id", Type::String),
                    AttributeSchema::computed("token", Type::String)
                        .sensitive()
                        .describe("A bearer token, valid for a minute after the read."),
                ],
                blocks: Vec::new(),
            },
        }
    }
}

impl Default for EksClusterAuth {
    fn default() -> Self {
        EksClusterAuth::new()
    }
}

/// The token for `cluster`: STS's GetCallerIdentity at `sts_endpoint`, presigned at `time` for
/// `region` with `identity`, URL-safe base64 without padding after [`PREFIX`]. Errors never
/// hold the token or the URL.
pub(super) fn token(
    cluster: &str,
    sts_endpoint: &str,
    region: &str,
    identity: &Identity,
    time: SystemTime,
) -> Result<String, ProviderError> {
    let base = format!(
        "{}/?Action=GetCallerIdentity&Version=2011-06-15",
        sts_endpoint.trim_end_matches('/')
    );
    let mut settings = SigningSettings::default();
    settings.signature_location = SignatureLocation::QueryParams;
    settings.expires_in = Some(EXPIRES);
    let params = v4::SigningParams::builder()
        .identity(identity)
        .region(region)
        .name("sts")
        .time(time)
        .settings(settings)
        .build()
        .map_err(|e| ProviderError::other(format!("cannot sign the EKS token: {e}")))?
        .into();
    let request = SignableRequest::new(
        "GET",
        base.as_str(),
        [("x-k8s-aws-id", cluster)].into_iter(),
        SignableBody::Bytes(&[]),
    )
    .map_err(|e| {
        ProviderError::other(format!(
            "cannot sign the EKS token: the STS endpoint {sts_endpoint} is not a URL ({e})"
        ))
    })?;
    let (instructions, _signature) = sign(request, &params)
        .map_err(|e| ProviderError::other(format!("cannot sign the EKS token: {e}")))?
        .into_parts();
    let mut url = base;
    for (name, value) in instructions.params() {
        url.push('&');
        url.push_str(name);
        url.push('=');
        url.extend(utf8_percent_encode(value, QUERY));
    }
    Ok(format!(
        "{PREFIX}{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(url)
    ))
}

impl DataSource for EksClusterAuth {
    fn schema(&self) -> &ResourceSchema {
        &self.schema
    }

    fn read<'a>(
        &'a self,
        ctx: &'a OpContext,
        config: &'a Value,
    ) -> BoxFuture<'a, Result<Option<Value>, ProviderError>> {
        Box::pin(async move {
            let aws = ctx.provider::<Aws>()?;
            let name = Attrs::new(&self.schema, config)
                .string("name")?
                .ok_or_else(|| ProviderError::validation("name", "is required"))?;
            let provider = aws.sdk.credentials_provider().ok_or_else(|| {
                ProviderError::Auth(super::errors::no_credentials(
                    aws.profile.as_deref(),
                    "no credentials provider is configured",
                ))
            })?;
            let credentials = provider.provide_credentials().await.map_err(|e| {
                ProviderError::Auth(super::errors::no_credentials(
                    aws.profile.as_deref(),
                    &super::errors::source_chain(&e),
                ))
            })?;
            let endpoint = aws
                .endpoint("sts")
                .unwrap_or_else(|| format!("https://sts.{}.amazonaws.com", aws.region));
            let token = token(
                &name,
                &endpoint,
                &aws.region,
                &credentials.into(),
                SystemTime::now(),
            )?;
            Ok(Some(complete(
                &self.schema,
                &Value::Null,
                [
                    ("name", Value::string(name.clone())),
                    ("id", Value::string(name)),
                    ("token", Value::string(token)),
                ],
            )))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_credential_types::Credentials;

    fn decoded(token: &str) -> String {
        let encoded = token.strip_prefix(PREFIX).expect("the token's prefix");
        let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(encoded)
            .expect("URL-safe base64 without padding");
        String::from_utf8(bytes).expect("a URL")
    }

    #[test]
    fn the_token_is_a_presigned_get_caller_identity() {
        let identity: Identity =
            Credentials::new("AKIDEXAMPLE", "secret", None, None, "test").into();
        let signed = token(
            "plat-test",
            "https://sts.eu-west-1.amazonaws.com/",
            "eu-west-1",
            &identity,
            SystemTime::UNIX_EPOCH + Duration::from_secs(1_800_000_000),
        )
        .unwrap();
        assert!(!signed.contains('='), "no padding");
        let url = decoded(&signed);
        assert!(
            url.starts_with(
                "https://sts.eu-west-1.amazonaws.com/?Action=GetCallerIdentity&Version=2011-06-15&"
            ),
            "{url}"
        );
        for part in [
            "X-Amz-Algorithm=AWS4-HMAC-SHA256",
            "X-Amz-Credential=AKIDEXAMPLE%2F20270115%2Feu-west-1%2Fsts%2Faws4_request",
            "X-Amz-Date=20270115T080000Z",
            "X-Amz-Expires=60",
            "X-Amz-SignedHeaders=host%3Bx-k8s-aws-id",
            "X-Amz-Signature=",
        ] {
            assert!(url.contains(part), "{part} in {url}");
        }
        assert!(!url.contains("X-Amz-Security-Token"), "{url}");

        let session: Identity = Credentials::new(
            "ASIAEXAMPLE",
            "secret",
            Some("session".into()),
            None,
            "test",
        )
        .into();
        let url = decoded(
            &token(
                "plat-test",
                "http://127.0.0.1:5000",
                "us-east-1",
                &session,
                SystemTime::now(),
            )
            .unwrap(),
        );
        assert!(
            url.starts_with("http://127.0.0.1:5000/?Action=GetCallerIdentity"),
            "{url}"
        );
        assert!(url.contains("X-Amz-Security-Token=session"), "{url}");
    }
}
