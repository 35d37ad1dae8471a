//! SC210 `bucket-without-policy`.

use crate::declare_rule;
use crate::ir::QName;
use crate::lint::{Finding, LintContext, Object, Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Flags a Storage bucket (`buckets:`) that no policy on `storage.objects` names (no
    /// `using` or `with_check` of a top-level `policies: { storage.objects: … }` holds the
    /// bucket's id as a string literal, as in `bucket_id = 'avatars'`).
    ///
    /// ## Why is this bad?
    /// Storage checks every upload, listing and private download against the policies of
    /// `storage.objects`. Without one for the bucket, clients can do nothing with a private
    /// bucket (only the `service_role` can), and nobody but the `service_role` can upload to
    /// a public one (a public bucket serves its files by URL to anyone, without a policy).
    /// Usually the policy was forgotten, or names the bucket with a typo.
    ///
    /// ## Example
    /// ```yaml
    /// preset: supabase
    /// buckets:
    ///   avatars: { public: true }
    /// ```
    ///
    /// Use instead: declare who may upload and read:
    /// ```yaml
    /// policies:
    ///   storage.objects:
    ///     avatar_upload:
    ///       for: insert
    ///       to: [authenticated]
    ///       with_check: "bucket_id = 'avatars' and (select auth.uid())::text = (storage.foldername(name))[1]"
    /// ```
    /// A project whose buckets only the server uses can turn the rule off
    /// (`lint: { rules: { bucket-without-policy: off } }`).
    pub BucketWithoutPolicy {
        code: "SC210", name: "bucket-without-policy",
        category: Security, level: Warn, target: Model,
    }
}

impl Rule for BucketWithoutPolicy {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &LintContext<'_>, out: &mut Vec<Finding>) {
        let policies = cx
            .model
            .external_policies
            .get(&QName::new("storage", "objects"));
        for b in cx.model.buckets.values() {
            let literal = format!("'{}'", b.id.replace('\'', "''"));
            let named = policies.is_some_and(|ps| {
                ps.values().any(|p| {
                    [&p.using, &p.with_check]
                        .into_iter()
                        .flatten()
                        .any(|e| e.value.contains(&literal))
                })
            });
            if named {
                continue;
            }
            let (what, help) = if b.public {
                (
                    "anyone can read its files by URL, but only the service role can upload or list them",
                    "add a policy on `storage.objects` for who may upload (`for: insert`, `bucket_id = '…'`), or turn the rule off if only the server writes",
                )
            } else {
                (
                    "clients can neither read nor write its files, only the service role can",
                    "add policies on `storage.objects` naming the bucket (`bucket_id = '…'`), or turn the rule off if only the server uses it",
                )
            };
            out.push(
                Self::META
                    .finding(
                        Object::Key(format!("bucket:{}", b.id)),
                        format!(
                            "{} bucket `{}` has no policy on `storage.objects`: {what}",
                            if b.public { "public" } else { "private" },
                            b.id
                        ),
                    )
                    .at(b.origin, "no policy names this bucket")
                    .help(help),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::lint::test_utils::{assert_clean, violations};

    const MODEL: &str = "version: 1\npreset: supabase\nbuckets:\n  avatars: { public: true }\n  reports: ~\npolicies:\n  storage.objects:\n    upload:\n      for: insert\n      to: [authenticated]\n      with_check: \"bucket_id = 'BUCKET'\"\n";

    #[test]
    fn bucket_without_policy_violation() {
        insta::assert_snapshot!(violations(&MODEL.replace("BUCKET", "avatar"), "SC210"));
    }

    #[test]
    fn bucket_without_policy_ok() {
        let both = MODEL.replace(
            "\"bucket_id = 'BUCKET'\"",
            "\"bucket_id in ('avatars', 'reports')\"",
        );
        assert_clean(&both, "SC210");
    }
}
