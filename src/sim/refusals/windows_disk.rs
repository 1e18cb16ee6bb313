//! Shared disks' partitions (WB-DISK-02, -03, -05; issue 9 defect #1) and who sees a disk
//! (WB-DISK-07).

use crate::sim::partitions::{
    format_target, initialize, prepare, Partition, PartitionType, Selection,
};
use crate::sim::tests::{apply_ok, converge_until, error_of, lab, probe_of, res};
use crate::sim::world::{disk_key, update, DiskState};

fn raw(number: u32) -> DiskState {
    DiskState {
        site: "primary".into(),
        number,
        size_gb: 100,
        ..DiskState::default()
    }
}

#[test]
fn the_old_drive_letter_selection_takes_the_reserved_partition_and_format_volume_refuses() {
    // Issue 9 defect #1 at the simulator level (WB-DISK-03): after Initialize-Disk -GPT the
    // only partition is Microsoft Reserved; `Where-Object { $_.DriveLetter }` keeps it
    // ([char]0 is true), New-Partition is skipped and Format-Volume finds no volume.
    let mut old = raw(2);
    let e = prepare(&mut old, Selection::TruthyDriveLetter, "S").unwrap_err();
    assert!(
        e.starts_with(
            "Format-Volume : No MSFT_Volume objects found with property 'DriveLetter' equal to 'S'"
        ),
        "{e}"
    );
    // The templates' selection by type creates the data partition beside it.
    let mut new = raw(2);
    prepare(&mut new, Selection::ByType, "S").unwrap();
    assert_eq!(new.partition_style.as_deref(), Some("GPT"));
    let kinds: Vec<PartitionType> = new.partitions.iter().map(|p| p.kind).collect();
    assert_eq!(kinds, [PartitionType::Reserved, PartitionType::Basic]);
}

#[test]
fn cluster_disk_apply_leaves_a_gpt_disk_with_reserved_and_data_partitions() {
    // WB-DISK-03 through the kind's handler.
    let (inv, topo, dir) = lab();
    let d = dir.path();
    let disk = res(&topo, "cluster.LABSQLCL.disk.SQLData");
    converge_until(d, &inv, &topo, &disk.address);
    apply_ok(d, &inv, disk);
    let w = crate::sim::world::load(d, &inv).unwrap();
    let ds = &w.disks[&disk_key("primary", 2)];
    assert_eq!(ds.partition_style.as_deref(), Some("GPT"));
    assert_eq!(ds.partitions.len(), 2);
    assert_eq!(probe_of(d, &inv, disk)["file_system"], "NTFS");
}

#[test]
fn initialize_disk_takes_a_raw_disk_only() {
    // WB-DISK-02.
    let mut d = raw(3);
    initialize(&mut d, "GPT").unwrap();
    let e = initialize(&mut d, "GPT").unwrap_err();
    assert!(
        e.starts_with("Initialize-Disk : The disk has already been initialized."),
        "{e}"
    );
}

#[test]
fn a_disk_initialized_elsewhere_is_adopted_not_initialized_again() {
    // WB-DISK-02 through the handler: an MBR LUN with an unformatted IFS partition. The
    // probe reports it presented and unformatted; apply formats that partition.
    let (inv, topo, dir) = lab();
    let d = dir.path();
    let disk = res(&topo, "cluster.LABSQLCL.disk.SQLLog");
    converge_until(d, &inv, &topo, &disk.address);
    update(d, &inv, |w| {
        let ds = w.disks.get_mut(&disk_key("primary", 3)).unwrap();
        ds.partition_style = Some("MBR".into());
        ds.partitions = vec![Partition {
            number: 1,
            kind: PartitionType::Ifs,
        }];
    })
    .unwrap();
    let o = probe_of(d, &inv, disk);
    assert_eq!(o["presented"], true);
    assert_eq!(o["file_system"], serde_json::Value::Null);
    apply_ok(d, &inv, disk);
    let w = crate::sim::world::load(d, &inv).unwrap();
    let ds = &w.disks[&disk_key("primary", 3)];
    assert_eq!(ds.partition_style.as_deref(), Some("MBR"));
    assert_eq!(ds.partitions.len(), 1);
    assert_eq!(ds.file_system.as_deref(), Some("NTFS"));
}

#[test]
fn format_volume_needs_a_partition_that_has_a_volume() {
    // WB-DISK-05: the reserved partition has none; a GPT disk initialized by hand (reserved
    // partition only) gets its data partition from the handler, then the volume.
    let reserved = Partition {
        number: 1,
        kind: PartitionType::Reserved,
    };
    let e = format_target(&reserved, "M").unwrap_err();
    assert!(
        e.contains("it has no volume") && e.contains("Invalid Parameter"),
        "{e}"
    );
    let (inv, topo, dir) = lab();
    let d = dir.path();
    let disk = res(&topo, "cluster.LABSQLCL.disk.DTC");
    converge_until(d, &inv, &topo, &disk.address);
    update(d, &inv, |w| {
        let ds = w.disks.get_mut(&disk_key("primary", 4)).unwrap();
        initialize(ds, "GPT").unwrap();
    })
    .unwrap();
    apply_ok(d, &inv, disk);
    let w = crate::sim::world::load(d, &inv).unwrap();
    assert_eq!(w.disks[&disk_key("primary", 4)].partitions.len(), 2);
}

#[test]
fn add_cluster_disk_takes_only_a_disk_every_node_sees() {
    // WB-DISK-07: the LUN is not presented to LABSQL2.
    let (inv, topo, dir) = lab();
    let d = dir.path();
    let disk = res(&topo, "cluster.LABSQLCL.disk.Quorum");
    converge_until(d, &inv, &topo, &disk.address);
    update(d, &inv, |w| {
        w.env
            .disk_hidden_from
            .entry(disk_key("primary", 1))
            .or_default()
            .insert("LABSQL2".into());
    })
    .unwrap();
    let e = error_of(d, &inv, disk);
    assert!(
        e.contains(
            "disk 1 is not available to the cluster (it must be a basic disk seen by every node)"
        ) && e.contains("LABSQL2"),
        "{e}"
    );
    update(d, &inv, |w| w.env.disk_hidden_from.clear()).unwrap();
    apply_ok(d, &inv, disk);
}
