//! A shared disk's partitions as `Initialize-Disk`, `Get-Partition`, `New-Partition` and
//! `Format-Volume` see them (WB-DISK-02, -03, -05): a RAW disk is initialized once; on GPT
//! initialization adds a Microsoft Reserved partition, which has no volume and no drive
//! letter (`DriveLetter` is `[char]0`, which PowerShell treats as true); only a data partition
//! (type Basic on GPT, IFS on MBR) can hold the volume.
//!
//! Sources: https://learn.microsoft.com/en-us/powershell/module/storage/initialize-disk ("a
//! Microsoft Reserved partition is created on GPT disks"; "The disk has already been
//! initialized") ; https://learn.microsoft.com/en-us/powershell/module/storage/get-partition ;
//! https://learn.microsoft.com/en-us/windows/win32/api/vds/ns-vds-create_partition_parameters
//! (basic data `ebd0a0a2-…`, reserved `e3c9e316-…`) ;
//! https://learn.microsoft.com/en-us/powershell/module/storage/format-volume .

use serde::{Deserialize, Serialize};

use super::world::DiskState;

/// A partition's type, as `Get-Partition` shows it in `Type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PartitionType {
    /// Microsoft Reserved (GPT type `e3c9e316-…`): no volume, never a letter.
    Reserved,
    /// Basic data on GPT (`ebd0a0a2-…`).
    Basic,
    /// A data partition on MBR (`IFS`).
    Ifs,
}

/// One partition.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Partition {
    /// `PartitionNumber`, from 1.
    pub number: u32,
    /// Its type.
    pub kind: PartitionType,
}

impl Partition {
    /// Whether it can hold a volume (`Get-Volume -Partition` finds one once formatted).
    pub fn is_data(&self) -> bool {
        matches!(self.kind, PartitionType::Basic | PartitionType::Ifs)
    }
}

/// How a script picks the partition that holds the data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Selection {
    /// By type: Basic or IFS, never Reserved (the templates' `Get-BisrcDataPartition`).
    ByType,
    /// `Where-Object { $_.DriveLetter }`: `[char]0` is true, so the first partition passes
    /// (issue 9 defect #1; kept to show the simulator refuses it).
    TruthyDriveLetter,
}

/// A disk a world written before partitions were modelled describes only its volume: give
/// it the layout `Initialize-Disk -PartitionStyle GPT` and `New-Partition` leave.
pub fn normalize(d: &mut DiskState) {
    if d.partition_style.is_none() && d.file_system.is_some() {
        d.partition_style = Some("GPT".into());
        d.partitions = vec![
            Partition {
                number: 1,
                kind: PartitionType::Reserved,
            },
            Partition {
                number: 2,
                kind: PartitionType::Basic,
            },
        ];
    }
}

/// Whether the disk is RAW (`PartitionStyle` `RAW`).
pub fn is_raw(d: &DiskState) -> bool {
    d.partition_style.is_none()
}

/// WB-DISK-02: `Initialize-Disk` takes a RAW disk only; GPT adds the Microsoft Reserved
/// partition.
pub fn initialize(d: &mut DiskState, style: &str) -> Result<(), String> {
    if !is_raw(d) {
        return Err(format!(
            "Initialize-Disk : The disk has already been initialized. (disk {}, {})",
            d.number,
            d.partition_style.as_deref().unwrap_or("?")
        ));
    }
    d.partition_style = Some(style.to_ascii_uppercase());
    d.partitions = if style.eq_ignore_ascii_case("GPT") {
        vec![Partition {
            number: 1,
            kind: PartitionType::Reserved,
        }]
    } else {
        Vec::new()
    };
    Ok(())
}

/// The partition `how` picks (`None`: the script goes on to `New-Partition`).
pub fn select(d: &DiskState, how: Selection) -> Option<&Partition> {
    match how {
        Selection::ByType => d.partitions.iter().find(|p| p.is_data()),
        Selection::TruthyDriveLetter => d.partitions.first(),
    }
}

/// `New-Partition -UseMaximumSize`: the data partition of the disk's style.
pub fn new_partition(d: &mut DiskState) -> Partition {
    let kind = if d.partition_style.as_deref() == Some("MBR") {
        PartitionType::Ifs
    } else {
        PartitionType::Basic
    };
    let p = Partition {
        number: d.partitions.iter().map(|p| p.number).max().unwrap_or(0) + 1,
        kind,
    };
    d.partitions.push(p.clone());
    p
}

/// WB-DISK-05: `Format-Volume -Partition` needs a partition that has (or can hold) a volume;
/// the Microsoft Reserved partition has none.
pub fn format_target(p: &Partition, letter: &str) -> Result<(), String> {
    if !p.is_data() {
        return Err(format!(
            "Format-Volume : No MSFT_Volume objects found with property 'DriveLetter' equal to '{letter}'. Verify the value of the property and retry. (partition {} is the Microsoft Reserved partition: it has no volume; Invalid Parameter)",
            p.number
        ));
    }
    Ok(())
}

/// What the templates' cluster_disk apply does to the layout before the volume is
/// formatted: initialize a RAW disk (GPT), pick the data partition `how`, create one when
/// none was picked, and check the volume can be formatted there.
pub fn prepare(d: &mut DiskState, how: Selection, letter: &str) -> Result<(), String> {
    normalize(d);
    if is_raw(d) {
        initialize(d, "GPT")?;
    }
    let picked = match select(d, how) {
        Some(p) => p.clone(),
        None => new_partition(d),
    };
    // A picked partition without a volume is formatted next: the reserved one cannot be.
    format_target(&picked, letter)
}
