//! The built-in rules of the `js` analyzer, one declaration per file (`declare_rule!`).
//!
//! Each module holds the rule's declaration (id, severity, CWE, signals, docs, fixtures) and
//! the finding message and remediation. Sinks, sources and patterns of the spec files refer
//! to these ids; the engine names rules through the statics, so a misspelt rule is a compile
//! error.

use portcullis_core::rule::Rule;

pub mod cleartext_credentials;
pub mod code_injection;
pub mod command_injection;
pub mod credential_leak;
pub mod env_access;
pub mod hidden_call;
pub mod insecure_cookie;
pub mod insecure_randomness;
pub mod jwt_misuse;
pub mod nosql_injection;
pub mod not_analysed;
pub mod open_redirect;
pub mod parse_error;
pub mod path_traversal;
pub mod process_control;
pub mod prototype_pollution;
pub mod redos;
pub mod sql_injection;
pub mod ssrf;
pub mod tls_verification_disabled;
pub mod unsafe_deserialization;
pub mod weak_crypto;
pub mod xss;

pub use cleartext_credentials::CLEARTEXT_CREDENTIALS;
pub use code_injection::CODE_INJECTION;
pub use command_injection::COMMAND_INJECTION;
pub use credential_leak::CREDENTIAL_LEAK;
pub use env_access::ENV_ACCESS;
pub use hidden_call::HIDDEN_CALL;
pub use insecure_cookie::INSECURE_COOKIE;
pub use insecure_randomness::INSECURE_RANDOMNESS;
pub use jwt_misuse::JWT_MISUSE;
pub use nosql_injection::NOSQL_INJECTION;
pub use not_analysed::NOT_ANALYSED;
pub use open_redirect::OPEN_REDIRECT;
pub use parse_error::PARSE_ERROR;
pub use path_traversal::PATH_TRAVERSAL;
pub use process_control::PROCESS_CONTROL;
pub use prototype_pollution::PROTOTYPE_POLLUTION;
pub use redos::REDOS;
pub use sql_injection::SQL_INJECTION;
pub use ssrf::SSRF;
pub use tls_verification_disabled::TLS_VERIFICATION_DISABLED;
pub use unsafe_deserialization::UNSAFE_DESERIALIZATION;
pub use weak_crypto::WEAK_CRYPTO;
pub use xss::XSS;

/// A built-in rule with what the catalog needs besides the declaration.
pub(crate) struct Builtin {
    pub rule: &'static Rule,
    pub message: &'static str,
    pub remediation: &'static str,
}

macro_rules! builtins {
    ($($m:ident :: $r:ident),* $(,)?) => {
        /// Every built-in rule of the analyzer, in catalog order.
        pub static RULES: &[&Rule] = &[$(&$m::$r),*];
        pub(crate) static BUILTINS: &[Builtin] = &[
            $(Builtin { rule: &$m::$r, message: $m::MESSAGE, remediation: $m::REMEDIATION }),*
        ];
    };
}

builtins! {
    parse_error::PARSE_ERROR,
    command_injection::COMMAND_INJECTION,
    code_injection::CODE_INJECTION,
    ssrf::SSRF,
    path_traversal::PATH_TRAVERSAL,
    sql_injection::SQL_INJECTION,
    nosql_injection::NOSQL_INJECTION,
    xss::XSS,
    prototype_pollution::PROTOTYPE_POLLUTION,
    unsafe_deserialization::UNSAFE_DESERIALIZATION,
    open_redirect::OPEN_REDIRECT,
    redos::REDOS,
    tls_verification_disabled::TLS_VERIFICATION_DISABLED,
    cleartext_credentials::CLEARTEXT_CREDENTIALS,
    weak_crypto::WEAK_CRYPTO,
    insecure_randomness::INSECURE_RANDOMNESS,
    jwt_misuse::JWT_MISUSE,
    credential_leak::CREDENTIAL_LEAK,
    env_access::ENV_ACCESS,
    process_control::PROCESS_CONTROL,
    not_analysed::NOT_ANALYSED,
    hidden_call::HIDDEN_CALL,
    insecure_cookie::INSECURE_COOKIE,
}
