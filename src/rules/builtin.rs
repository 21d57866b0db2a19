//! The built-in rule files, embedded in the binary.

/// Every built-in rule file as `(file name, TOML text)`, in priority order.
pub fn builtin_rule_files() -> &'static [(&'static str, &'static str)] {
    macro_rules! files {
        ($($name:literal),* $(,)?) => {
            &[$(($name, include_str!(concat!("builtin/", $name)))),*]
        };
    }
    files!(
        "openai.toml",
        "anthropic.toml",
        "google.toml",
        "groq.toml",
        "perplexity.toml",
        "huggingface.toml",
        "replicate.toml",
        "xai.toml",
        "openrouter.toml",
        "together.toml",
        "langsmith.toml",
        "pinecone.toml",
        "deepseek.toml",
        "mistral.toml",
        "cohere.toml",
        "fireworks.toml",
        "elevenlabs.toml",
        "azure.toml",
        "github.toml",
        "slack.toml",
        "aws.toml",
        "stripe.toml",
        "private-keys.toml",
        "gcp.toml",
    )
}
