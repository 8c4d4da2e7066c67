//! The apply journal: an append-only file next to the state, one JSON record per line.
//!
//! Before each cloud mutation the applier appends an [`Intent`]; after it, a [`Outcome`] in a
//! `Result` record. Each append writes one line and syncs it, so persisting progress costs
//! O(1) however large the state is. After the apply (or when the next run finds a journal left
//! by a crash) the records are folded into the state, the state is written, and the journal is
//! removed. Intents without a result are the operations a crash interrupted: the object may or
//! may not exist, and recovery looks for it by its identity / ownership tags.

use std::collections::HashSet;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::PathBuf;

use foldhash::{HashMap, HashMapExt};
use serde::{Deserialize, Serialize};
use serde_json::Value as Json;
use thiserror::Error;

use super::address::InstanceAddress;
use super::model::{InstanceState, State};
use super::paths::{sync_dir, StatePaths};
use crate::lang::config::provider_of_type;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "record", rename_all = "snake_case")]
pub enum Record {
    Intent(Intent),
    Result(OperationResult),
}

/// An operation about to start.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Intent {
    /// Unique within the journal; the result of this operation has the same `seq`.
    pub seq: u64,
    pub address: InstanceAddress,
    /// The provider configuration (`aws.west`) that performs it.
    pub provider: String,
    pub action: Action,
    /// What identifies the object, when known before the call (for an update or a delete).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identity: Option<Json>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    Create,
    Update,
    Delete,
    Read,
}

/// How an operation ended.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OperationResult {
    pub seq: u64,
    pub address: InstanceAddress,
    pub outcome: Outcome,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum Outcome {
    /// The instance as it is now; `None` when it no longer exists (deleted).
    Done { instance: Option<InstanceState> },
    /// The operation failed; the state keeps what it had.
    Failed { error: String },
}

#[derive(Debug, Error)]
pub enum JournalError {
    #[error("cannot use the apply journal {}: {source}; check that the directory is writable and the disk is not full", path.display())]
    Io { path: PathBuf, source: io::Error },
    #[error("the apply journal {} is damaged at line {line} ({problem}); it is not the last line, so this is not an interrupted write. plat will not fold or delete it: it records an interrupted apply. Repair or remove that line, then run plat again", path.display())]
    Corrupt {
        path: PathBuf,
        line: usize,
        problem: String,
    },
    #[error("an earlier write to the apply journal {} failed, so it may end in a partial line; stop this apply and run plat again to recover from the journal", path.display())]
    Broken { path: PathBuf },
    #[error("cannot serialise a journal record for {}: {source}; this is a bug in plat, please report it", path.display())]
    Serialise {
        path: PathBuf,
        source: serde_json::Error,
    },
}

/// The journal open for appending.
#[derive(Debug)]
pub struct Journal {
    file: File,
    path: PathBuf,
    next_seq: u64,
    broken: bool,
}

/// What reading the journal's bytes found.
struct Parsed {
    records: Vec<Record>,
    /// Bytes up to the end of the last complete record (a torn tail starts here).
    complete_len: usize,
    /// The last complete record has no newline after it (the crash came just before it).
    needs_newline: bool,
}

impl Journal {
    /// Opens (or creates) the journal for appending. A torn final line left by a crash is
    /// cut off first, so that new records never follow a partial one.
    pub fn open_append(paths: &StatePaths) -> Result<Journal, JournalError> {
        let path = paths.journal.clone();
        let io_error = |source| JournalError::Io {
            path: path.clone(),
            source,
        };
        fs::create_dir_all(paths.dir()).map_err(io_error)?;
        let mut file = OpenOptions::new()
            .read(true)
            .append(true)
            .create(true)
            .open(&path)
            .map_err(io_error)?;
        let bytes = fs::read(&path).map_err(io_error)?;
        let parsed = parse(&bytes, &path)?;
        if parsed.complete_len < bytes.len() {
            file.set_len(parsed.complete_len as u64).map_err(io_error)?;
        }
        if parsed.needs_newline {
            file.write_all(b"\n").map_err(io_error)?;
        }
        file.sync_all().map_err(io_error)?;
        sync_dir(paths.dir()).map_err(io_error)?;
        let next_seq = parsed.records.iter().map(record_seq).max().unwrap_or(0) + 1;
        Ok(Journal {
            file,
            path,
            next_seq,
            broken: false,
        })
    }

    /// A sequence number no record in this journal has used.
    pub fn next_seq(&mut self) -> u64 {
        let seq = self.next_seq;
        self.next_seq += 1;
        seq
    }

    /// Appends one record and syncs it to disk before returning.
    pub fn append(&mut self, record: &Record) -> Result<(), JournalError> {
        self.write_record(record, true)
    }

    /// Appends one record without waiting for the disk. For records whose loss a crash makes
    /// harmless: results (recovery asks the provider about intents without one) and intents of
    /// objects that live only in state. A later synced append or [`Journal::sync`] makes it
    /// durable too.
    pub fn append_unsynced(&mut self, record: &Record) -> Result<(), JournalError> {
        self.write_record(record, false)
    }

    /// Makes every record appended so far durable.
    pub fn sync(&mut self) -> Result<(), JournalError> {
        self.file.sync_data().map_err(|source| {
            self.broken = true;
            JournalError::Io {
                path: self.path.clone(),
                source,
            }
        })
    }

    fn write_record(&mut self, record: &Record, sync: bool) -> Result<(), JournalError> {
        if self.broken {
            return Err(JournalError::Broken {
                path: self.path.clone(),
            });
        }
        let mut line = serde_json::to_vec(record).map_err(|source| JournalError::Serialise {
            path: self.path.clone(),
            source,
        })?;
        line.push(b'\n');
        let result =
            self.file.write_all(&line).and_then(
                |()| {
                    if sync {
                        self.file.sync_data()
                    } else {
                        Ok(())
                    }
                },
            );
        if let Err(source) = result {
            self.broken = true;
            return Err(JournalError::Io {
                path: self.path.clone(),
                source,
            });
        }
        self.next_seq = self.next_seq.max(record_seq(record) + 1);
        Ok(())
    }

    /// Every complete record; an empty list when there is no journal. A torn final line (a
    /// crash in the middle of an append) is ignored; a damaged line before it is an error.
    pub fn read(paths: &StatePaths) -> Result<Vec<Record>, JournalError> {
        let bytes = match fs::read(&paths.journal) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(source) => {
                return Err(JournalError::Io {
                    path: paths.journal.clone(),
                    source,
                })
            }
        };
        Ok(parse(&bytes, &paths.journal)?.records)
    }

    /// Deletes the journal; call it only after its records were folded into a state that was
    /// written successfully.
    pub fn remove(paths: &StatePaths) -> Result<(), JournalError> {
        let io_error = |source| JournalError::Io {
            path: paths.journal.clone(),
            source,
        };
        match fs::remove_file(&paths.journal) {
            Ok(()) => sync_dir(paths.dir()).map_err(io_error),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
            Err(source) => Err(io_error(source)),
        }
    }
}

fn record_seq(record: &Record) -> u64 {
    match record {
        Record::Intent(intent) => intent.seq,
        Record::Result(result) => result.seq,
    }
}

fn parse(bytes: &[u8], path: &std::path::Path) -> Result<Parsed, JournalError> {
    let mut parsed = Parsed {
        records: Vec::new(),
        complete_len: 0,
        needs_newline: false,
    };
    let mut offset = 0;
    let mut line_number = 0;
    while offset < bytes.len() {
        line_number += 1;
        let (line, terminated, next) = match bytes[offset..].iter().position(|&b| b == b'\n') {
            Some(end) => (&bytes[offset..offset + end], true, offset + end + 1),
            None => (&bytes[offset..], false, bytes.len()),
        };
        if line.trim_ascii().is_empty() {
            if terminated {
                parsed.complete_len = next;
            }
        } else {
            match serde_json::from_slice::<Record>(line) {
                Ok(record) => {
                    parsed.records.push(record);
                    parsed.complete_len = next;
                    parsed.needs_newline = !terminated;
                }
                // The last line without its newline: the append it came from never finished.
                Err(_) if !terminated => break,
                Err(error) => {
                    return Err(JournalError::Corrupt {
                        path: path.to_path_buf(),
                        line: line_number,
                        problem: error.to_string(),
                    })
                }
            }
        }
        offset = next;
    }
    Ok(parsed)
}

/// Intents that have no result: operations a crash interrupted, in journal order.
pub fn pending_intents(records: &[Record]) -> Vec<Intent> {
    let finished: HashSet<u64> = records
        .iter()
        .filter_map(|r| match r {
            Record::Result(result) => Some(result.seq),
            Record::Intent(_) => None,
        })
        .collect();
    records
        .iter()
        .filter_map(|r| match r {
            Record::Intent(intent) if !finished.contains(&intent.seq) => Some(intent.clone()),
            _ => None,
        })
        .collect()
}

/// Applies every successful result to `state`, in journal order: sets the instance, or removes
/// it when it no longer exists. A new resource takes its provider from the result's intent
/// (from its type's prefix if the intent is missing). Returns the number of results applied.
pub fn fold(state: &mut State, records: &[Record]) -> usize {
    let mut providers: HashMap<u64, &str> = HashMap::new();
    let mut applied = 0;
    for record in records {
        match record {
            Record::Intent(intent) => {
                providers.insert(intent.seq, &intent.provider);
            }
            Record::Result(OperationResult {
                seq,
                address,
                outcome: Outcome::Done { instance },
            }) => {
                match instance {
                    Some(instance) => {
                        let provider = providers
                            .get(seq)
                            .copied()
                            .unwrap_or_else(|| provider_of_type(&address.type_name));
                        state.set_instance(address, provider, instance.clone());
                    }
                    None => {
                        state.remove_instance(address);
                    }
                }
                applied += 1;
            }
            Record::Result(_) => {}
        }
    }
    applied
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::model::tests::arb_instance;
    use crate::state::test_support::TestDir;
    use proptest::prelude::*;
    use serde_json::json;

    fn paths(dir: &TestDir) -> StatePaths {
        StatePaths::for_env(dir.path(), "stack", "dev").unwrap()
    }

    fn intent(seq: u64, address: &str, action: Action) -> Record {
        Record::Intent(Intent {
            seq,
            address: address.parse().unwrap(),
            provider: "aws.west".into(),
            action,
            identity: None,
        })
    }

    fn done(seq: u64, address: &str, id: Option<&str>) -> Record {
        Record::Result(OperationResult {
            seq,
            address: address.parse().unwrap(),
            outcome: Outcome::Done {
                instance: id.map(|id| InstanceState::new(json!({ "id": id }), vec![])),
            },
        })
    }

    fn failed(seq: u64, address: &str) -> Record {
        Record::Result(OperationResult {
            seq,
            address: address.parse().unwrap(),
            outcome: Outcome::Failed {
                error: "throttled".into(),
            },
        })
    }

    fn sample() -> Vec<Record> {
        vec![
            intent(1, "aws_vpc.main", Action::Create),
            done(1, "aws_vpc.main", Some("vpc-1")),
            intent(2, r#"aws_subnet.a["x"]"#, Action::Create),
            failed(2, r#"aws_subnet.a["x"]"#),
            intent(3, "aws_subnet.b[0]", Action::Create),
            intent(4, "aws_instance.old", Action::Delete),
            done(4, "aws_instance.old", None),
        ]
    }

    fn write_all(paths: &StatePaths, records: &[Record]) {
        let mut journal = Journal::open_append(paths).unwrap();
        for record in records {
            journal.append(record).unwrap();
        }
    }

    #[test]
    fn records_round_trip_one_line_each() {
        let dir = TestDir::new();
        let paths = paths(&dir);
        assert!(Journal::read(&paths).unwrap().is_empty());
        write_all(&paths, &sample());
        assert_eq!(Journal::read(&paths).unwrap(), sample());
        let text = fs::read_to_string(&paths.journal).unwrap();
        assert_eq!(text.lines().count(), sample().len());
        assert!(text.starts_with(
            r#"{"record":"intent","seq":1,"address":"aws_vpc.main","provider":"aws.west","action":"create"}"#
        ), "{text}");
        let mut journal = Journal::open_append(&paths).unwrap();
        assert_eq!(journal.next_seq(), 5);
        assert_eq!(journal.next_seq(), 6);
        Journal::remove(&paths).unwrap();
        assert!(!paths.journal.exists());
        Journal::remove(&paths).unwrap();
    }

    #[test]
    fn pending_intents_are_those_without_results() {
        let pending = pending_intents(&sample());
        let seqs: Vec<u64> = pending.iter().map(|i| i.seq).collect();
        assert_eq!(seqs, [3]);
        assert_eq!(pending[0].address.to_string(), "aws_subnet.b[0]");
    }

    #[test]
    fn fold_applies_done_results_only() {
        let mut state = State::new();
        state.set_instance(
            &"aws_instance.old".parse().unwrap(),
            "aws",
            InstanceState::new(json!({"id": "i-1"}), vec![]),
        );
        let mut records = sample();
        records.push(done(9, "aws_vpc.main", Some("vpc-2"))); // a result without its intent
        assert_eq!(fold(&mut state, &records), 3);
        let keys: Vec<&String> = state.resources.keys().collect();
        assert_eq!(keys, ["aws_vpc.main"]);
        let vpc = &state.resources["aws_vpc.main"];
        assert_eq!(vpc.provider, "aws.west");
        assert_eq!(vpc.instances[""].attributes, json!({"id": "vpc-2"}));
    }

    #[test]
    fn torn_and_damaged_lines_table() {
        let good = serde_json::to_string(&sample()[0]).unwrap();
        let torn = &good[..good.len() / 2];
        // (file content, records read, or the damaged line)
        let cases: Vec<(String, Result<usize, usize>)> = vec![
            (String::new(), Ok(0)),
            (format!("{good}\n"), Ok(1)),
            (format!("{good}\n{torn}"), Ok(1)),
            (format!("{good}\n{good}"), Ok(2)),
            (torn.to_owned(), Ok(0)),
            (format!("{good}\n\n{good}\n"), Ok(2)),
            (format!("{good}\n{torn}\n{good}\n"), Err(2)),
            (format!("{torn}\n"), Err(1)),
            (format!("{good}\n{{\"record\":\"other\"}}\n"), Err(2)),
        ];
        for (text, expected) in cases {
            let dir = TestDir::new();
            let paths = paths(&dir);
            fs::create_dir_all(paths.dir()).unwrap();
            fs::write(&paths.journal, &text).unwrap();
            match (Journal::read(&paths), expected) {
                (Ok(records), Ok(n)) => assert_eq!(records.len(), n, "{text:?}"),
                (Err(error), Err(line)) => {
                    let message = error.to_string();
                    assert!(message.contains(&format!("line {line}")), "{message}");
                    assert!(message.contains("dev.json.journal"), "{message}");
                    assert!(Journal::open_append(&paths).is_err());
                    assert_eq!(fs::read_to_string(&paths.journal).unwrap(), text);
                }
                (got, want) => panic!("{text:?}: got {got:?}, want {want:?}"),
            }
        }
    }

    #[test]
    fn appending_after_a_tear_continues_cleanly() {
        let dir = TestDir::new();
        let paths = paths(&dir);
        let records = sample();
        let first = serde_json::to_string(&records[0]).unwrap();
        let second = serde_json::to_string(&records[1]).unwrap();
        fs::create_dir_all(paths.dir()).unwrap();
        for content in [format!("{first}\n{}", &second[..10]), first.clone()] {
            fs::write(&paths.journal, content).unwrap();
            let mut journal = Journal::open_append(&paths).unwrap();
            assert_eq!(journal.next_seq(), 2);
            journal.append(&records[2]).unwrap();
            assert_eq!(
                Journal::read(&paths).unwrap(),
                vec![records[0].clone(), records[2].clone()]
            );
        }
    }

    fn arb_record() -> impl Strategy<Value = Record> {
        (
            0u64..100,
            prop_oneof![
                Just("aws_vpc.main"),
                Just(r#"module.m["a b"].aws_subnet.s[2]"#)
            ],
            prop::option::of(arb_instance()),
            any::<bool>(),
        )
            .prop_map(|(seq, address, instance, is_intent)| {
                let address = address.parse().unwrap();
                if is_intent {
                    Record::Intent(Intent {
                        seq,
                        address,
                        provider: "aws".into(),
                        action: Action::Update,
                        identity: Some(json!({"id": seq})),
                    })
                } else {
                    Record::Result(OperationResult {
                        seq,
                        address,
                        outcome: Outcome::Done { instance },
                    })
                }
            })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        #[test]
        fn truncated_journal_reads_the_records_before_the_tear(
            records in prop::collection::vec(arb_record(), 0..6),
            cut in any::<prop::sample::Index>(),
        ) {
            let dir = TestDir::new();
            let paths = paths(&dir);
            write_all(&paths, &records);
            let full = fs::read(&paths.journal).unwrap();
            let cut = cut.index(full.len() + 1);
            fs::write(&paths.journal, &full[..cut]).unwrap();
            // A record is complete once all of its JSON is on disk, newline or not.
            let mut end = 0;
            let complete = records
                .iter()
                .take_while(|r| {
                    end += serde_json::to_vec(r).unwrap().len();
                    let fits = end <= cut;
                    end += 1;
                    fits
                })
                .count();
            let read = Journal::read(&paths).unwrap();
            prop_assert_eq!(&read[..], &records[..complete]);
            // Appending after the tear keeps every record readable.
            let mut journal = Journal::open_append(&paths).unwrap();
            let extra = intent(1000, "aws_vpc.main", Action::Delete);
            journal.append(&extra).unwrap();
            let mut expected = records[..complete].to_vec();
            expected.push(extra);
            prop_assert_eq!(Journal::read(&paths).unwrap(), expected);
        }
    }
}
