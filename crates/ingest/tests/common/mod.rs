//! Archive builders for the tests: real tar/gzip/zip bytes, including hostile entries that
//! well-behaved packers refuse to write (the tar header is filled in by hand).

#![allow(dead_code)]

use std::io::{Cursor, Write};

pub struct Tar {
    b: tar::Builder<Vec<u8>>,
}

impl Tar {
    pub fn new() -> Self {
        Tar {
            b: tar::Builder::new(Vec::new()),
        }
    }

    /// Appends an entry with a raw (unchecked) name.
    pub fn raw(
        mut self,
        name: &[u8],
        kind: tar::EntryType,
        data: &[u8],
        link: Option<&[u8]>,
        mode: u32,
    ) -> Self {
        let mut h = tar::Header::new_gnu();
        {
            let old = h.as_old_mut();
            old.name = [0; 100];
            old.name[..name.len()].copy_from_slice(name);
            if let Some(l) = link {
                old.linkname = [0; 100];
                old.linkname[..l.len()].copy_from_slice(l);
            }
        }
        h.set_entry_type(kind);
        h.set_mode(mode);
        h.set_size(data.len() as u64);
        h.set_cksum();
        self.b.append(&h, data).unwrap();
        self
    }

    pub fn file(self, name: &str, data: &[u8]) -> Self {
        self.raw(name.as_bytes(), tar::EntryType::Regular, data, None, 0o644)
    }

    pub fn exe(self, name: &str, data: &[u8]) -> Self {
        self.raw(name.as_bytes(), tar::EntryType::Regular, data, None, 0o755)
    }

    pub fn dir(self, name: &str) -> Self {
        self.raw(name.as_bytes(), tar::EntryType::Directory, b"", None, 0o755)
    }

    pub fn symlink(self, name: &str, target: &str) -> Self {
        self.raw(
            name.as_bytes(),
            tar::EntryType::Symlink,
            b"",
            Some(target.as_bytes()),
            0o777,
        )
    }

    pub fn hardlink(self, name: &str, target: &str) -> Self {
        self.raw(
            name.as_bytes(),
            tar::EntryType::Link,
            b"",
            Some(target.as_bytes()),
            0o644,
        )
    }

    pub fn tar(self) -> Vec<u8> {
        self.b.into_inner().unwrap()
    }

    pub fn tgz(self) -> Vec<u8> {
        gzip(&self.tar())
    }
}

pub fn gzip(data: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

pub struct Zip {
    w: zip::ZipWriter<Cursor<Vec<u8>>>,
}

impl Zip {
    pub fn new() -> Self {
        Zip {
            w: zip::ZipWriter::new(Cursor::new(Vec::new())),
        }
    }

    fn opts(mode: u32) -> zip::write::SimpleFileOptions {
        zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated)
            .unix_permissions(mode)
    }

    pub fn file(mut self, name: &str, data: &[u8]) -> Self {
        self.w.start_file(name, Self::opts(0o644)).unwrap();
        self.w.write_all(data).unwrap();
        self
    }

    pub fn exe(mut self, name: &str, data: &[u8]) -> Self {
        self.w.start_file(name, Self::opts(0o755)).unwrap();
        self.w.write_all(data).unwrap();
        self
    }

    pub fn symlink(mut self, name: &str, target: &str) -> Self {
        self.w.add_symlink(name, target, Self::opts(0o777)).unwrap();
        self
    }

    pub fn dir(mut self, name: &str) -> Self {
        self.w.add_directory(name, Self::opts(0o755)).unwrap();
        self
    }

    pub fn bytes(self) -> Vec<u8> {
        self.w.finish().unwrap().into_inner()
    }
}

/// A minimal ELF header (what a `.node` addon starts with).
pub fn elf() -> Vec<u8> {
    let mut v = b"\x7fELF\x02\x01\x01\0".to_vec();
    v.resize(256, 0);
    v
}

pub const N8N_PACKAGE_JSON: &str = r#"{
  "name": "n8n-nodes-acme",
  "version": "1.2.0",
  "license": "MIT",
  "keywords": ["n8n-community-node-package"],
  "main": "index.js",
  "n8n": {
    "n8nNodesApiVersion": 1,
    "credentials": ["dist/credentials/AcmeApi.credentials.js"],
    "nodes": ["dist/nodes/Acme/Acme.node.js"]
  }
}
"#;
