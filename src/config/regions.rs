//! Region names: a malformed one is an error, a well-formed one this version does not know a
//! warning (a typo, or a region newer than the list).

use regex::Regex;

use super::parse::Walker;
use super::walk::shown;
use super::yaml::{Node, Value};

/// AWS's region names when this was written; a well-formed name not here is a warning (a
/// typo, or a region newer than this list), a malformed one an error.
const KNOWN_REGIONS: &[&str] = &[
    "af-south-1",
    "ap-east-1",
    "ap-east-2",
    "ap-northeast-1",
    "ap-northeast-2",
    "ap-northeast-3",
    "ap-south-1",
    "ap-south-2",
    "ap-southeast-1",
    "ap-southeast-2",
    "ap-southeast-3",
    "ap-southeast-4",
    "ap-southeast-5",
    "ap-southeast-6",
    "ap-southeast-7",
    "ca-central-1",
    "ca-west-1",
    "cn-north-1",
    "cn-northwest-1",
    "eu-central-1",
    "eu-central-2",
    "eu-north-1",
    "eu-south-1",
    "eu-south-2",
    "eu-west-1",
    "eu-west-2",
    "eu-west-3",
    "eusc-de-east-1",
    "il-central-1",
    "me-central-1",
    "me-south-1",
    "mx-central-1",
    "sa-east-1",
    "us-east-1",
    "us-east-2",
    "us-gov-east-1",
    "us-gov-west-1",
    "us-iso-east-1",
    "us-iso-west-1",
    "us-isob-east-1",
    "us-west-1",
    "us-west-2",
];

impl Walker {
    /// A region name: malformed is an error, well-formed but unknown a warning.
    pub(super) fn check_region(&mut self, node: &Node, path: &str) {
        let Value::Str(r) = &node.value else { return };
        static FORM: std::sync::OnceLock<Regex> = std::sync::OnceLock::new();
        let form =
            FORM.get_or_init(|| Regex::new(r"^[a-z]{2,4}(-[a-z]+)+-[0-9]{1,2}$").expect("valid"));
        if !form.is_match(r) {
            self.error(
                node.pos,
                path,
                format!("`{}` is not an AWS region name (like us-east-1)", shown(r)),
            );
        } else if !KNOWN_REGIONS.contains(&r.as_str()) {
            self.warn(
                node.pos,
                path,
                format!("`{r}` is not a region this version knows: a typo, or a newer region?"),
            );
        }
    }
}
