//! The `semantic` feature's model loading: errors always, the real model
//! when `NEWSDESK_MINILM_DIR` names its directory (scripts/fetch-minilm.sh).
#![cfg(feature = "semantic")]

use std::path::{Path, PathBuf};

use newsdesk_cluster::semantic::{Embedder, Error};
use newsdesk_cluster::{Clusterer, Config, Item};

fn model_dir() -> Option<PathBuf> {
    let dir = std::env::var_os("NEWSDESK_MINILM_DIR").map(PathBuf::from);
    match dir {
        Some(d) if d.join("model.safetensors").is_file() => Some(d),
        _ => {
            eprintln!("NEWSDESK_MINILM_DIR unset or without model.safetensors: real-model test skipped");
            None
        }
    }
}

fn cosine(a: &[f32], b: &[f32]) -> f32 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

fn load_err(dir: &Path) -> Error {
    match Embedder::load(dir) {
        Ok(_) => panic!("{} loaded", dir.display()),
        Err(e) => e,
    }
}

#[test]
fn a_missing_directory_is_named_in_the_error() {
    let dir = tempfile::tempdir().unwrap();
    let gone = dir.path().join("no-such-model");
    let err = load_err(&gone);
    assert!(matches!(&err, Error::Missing(p) if *p == gone), "{err:?}");
    assert!(err.to_string().contains("no-such-model"), "{err}");
}

#[test]
fn a_corrupt_config_is_invalid_not_a_panic() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("config.json"), "{\"hidden_size\": 384,").unwrap();
    let err = load_err(dir.path());
    assert!(
        matches!(&err, Error::Invalid(p, _) if p.ends_with("config.json")),
        "{err:?}"
    );
}

#[test]
fn a_config_with_no_attention_heads_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let config = r#"{"vocab_size": 30522, "hidden_size": 384, "num_hidden_layers": 6,
        "num_attention_heads": 0, "intermediate_size": 1536, "hidden_act": "gelu",
        "hidden_dropout_prob": 0.1, "max_position_embeddings": 512, "type_vocab_size": 2,
        "initializer_range": 0.02, "layer_norm_eps": 1e-12, "pad_token_id": 0}"#;
    std::fs::write(dir.path().join("config.json"), config).unwrap();
    let err = load_err(dir.path());
    assert!(err.to_string().contains("num_attention_heads"), "{err}");
}

#[test]
fn a_directory_without_the_tokenizer_names_the_missing_file() {
    let Some(model) = model_dir() else { return };
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(model.join("config.json"), dir.path().join("config.json")).unwrap();
    let err = load_err(dir.path());
    assert!(
        matches!(&err, Error::Missing(p) if p.ends_with("tokenizer.json")),
        "{err:?}"
    );
}

#[test]
fn real_model_embeds_paraphrases_closer_than_unrelated_text() {
    let Some(dir) = model_dir() else { return };
    let embedder = Embedder::load(&dir).unwrap();
    let texts = [
        "A cat sits on the mat",
        "A kitten is sitting on a rug",
        "Stock markets fell sharply",
    ];
    let v = embedder.embed(&texts).unwrap();
    assert_eq!(v.len(), 3);
    for e in &v {
        assert_eq!(e.len(), 384);
        assert_eq!(embedder.dim(), 384);
        assert!((cosine(e, e) - 1.0).abs() < 1e-4, "norm² {}", cosine(e, e));
    }
    let (close, far) = (cosine(&v[0], &v[1]), cosine(&v[0], &v[2]));
    assert!(
        close > 0.5 && far < 0.2 && close > far + 0.3,
        "paraphrase {close}, unrelated {far}"
    );
    // Padding to a longer batch must not change a text's vector.
    let alone = embedder.embed(&texts[2..]).unwrap();
    assert!(cosine(&alone[0], &v[2]) > 0.9999);
    assert!(embedder.embed(&[]).unwrap().is_empty());
}

#[test]
fn real_model_embeddings_join_a_paraphrase_the_words_alone_miss() {
    let Some(dir) = model_dir() else { return };
    let embedder = Embedder::load(&dir).unwrap();
    let titles = [
        "Earthquake strikes off the coast of Chile",
        "Chile hit by powerful tremor",
        "Central bank raises interest rates again",
    ];
    let v = embedder.embed(&titles).unwrap();
    let stories = |weight: f32| {
        let mut c = Clusterer::new(Config {
            semantic_weight: weight,
            ..Config::default()
        });
        let item = |i: usize| Item {
            key: i as u64,
            title: titles[i],
            embedding: Some(&v[i]),
            ..Item::default()
        };
        (0..3).map(|i| c.assign(&item(i), 0).story).collect::<Vec<_>>()
    };
    // The quake titles share one word: enough to be compared (candidates
    // come from shared terms), too little to join on words alone.
    assert_eq!(stories(0.0), [0, 1, 2]);
    assert_eq!(stories(0.6), [0, 0, 2]);
}
