//! The `local` provider: files on the machine that runs plat.

pub mod local_file;
pub mod local_file_data;

use std::sync::Arc;

use super::resource::Data;
use super::Provider;

pub fn provider() -> Provider {
    Provider {
        name: "local",
        resources: vec![Arc::new(local_file::LocalFile::new())],
        data_sources: vec![Arc::new(Data(local_file_data::LocalFileData::new()))],
        configure: None,
    }
}
