//! BizTalk Server on every BizTalk server (review3 F6): the `biztalk_server` resources, their
//! order, and the configuration XML each server runs.

use std::path::PathBuf;

use bisrc::inventory;
use bisrc::render::{Artifact, Renderer};
use bisrc::topology::Topology;

fn build(name: &str) -> (Topology, Vec<Artifact>) {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(format!("inventories/{name}.yaml"));
    let text = std::fs::read_to_string(&path).unwrap();
    let inv = inventory::parse(&path, text).unwrap().inventory;
    let topo = Topology::build(&inv, None).unwrap();
    let artifacts = Renderer::new(None).unwrap().artifacts(&inv, &topo).unwrap();
    (topo, artifacts)
}

/// A rendered file, with Windows line ends made `\n`.
fn file(artifacts: &[Artifact], resource: &str, name: &str) -> String {
    artifacts
        .iter()
        .find(|a| a.resource == resource && a.path.rsplit('/').next() == Some(name))
        .unwrap_or_else(|| panic!("no {name} for {resource}"))
        .content
        .replace("\r\n", "\n")
}

/// The `Selected="Yes"` answers of the XML, as `question=answer`, and the features, in order.
fn features_and_answers(xml: &str) -> (Vec<String>, Vec<String>) {
    use quick_xml::events::Event;
    let mut r = quick_xml::Reader::from_str(xml);
    let (mut features, mut answers, mut questions) = (Vec::new(), Vec::new(), Vec::new());
    let attr = |e: &quick_xml::events::BytesStart, k: &str| {
        e.attributes()
            .map(|a| a.unwrap())
            .find(|a| a.key.as_ref() == k.as_bytes())
            .map(|a| a.unescape_value().unwrap().into_owned())
    };
    loop {
        // Any malformed XML fails here.
        match r.read_event().unwrap() {
            Event::Start(e) | Event::Empty(e) if e.name().as_ref() == b"Feature" => {
                features.push(attr(&e, "Name").unwrap());
            }
            Event::Start(e) if e.name().as_ref() == b"Question" => {
                questions.push(attr(&e, "ID").unwrap());
            }
            Event::End(e) if e.name().as_ref() == b"Question" => {
                questions.pop();
            }
            Event::Start(e) | Event::Empty(e)
                if e.name().as_ref() == b"Answer"
                    && attr(&e, "Selected").as_deref() == Some("Yes") =>
            {
                answers.push(format!(
                    "{}={}",
                    questions.last().unwrap(),
                    attr(&e, "Value").unwrap()
                ));
            }
            Event::Eof => break,
            _ => {}
        }
    }
    (features, answers)
}

#[test]
fn every_biztalk_server_is_configured_after_the_group_and_before_its_host_instances() {
    let (topo, _) = build("contoso-prod");
    for (server, join) in [("BTSAPP01", false), ("BTSAPP02", true)] {
        let addr = format!("biztalk.primary.server.{server}");
        let r = topo.get(&addr).unwrap_or_else(|| panic!("no {addr}"));
        assert_eq!(r.params["join"], join, "{addr}");
        assert!(r.depends_on.contains(&"biztalk.primary.group".to_string()));
        assert!(
            r.depends_on.contains(&format!("node.{server}.dtc")),
            "{:?}",
            r.depends_on
        );
        let hosts = topo
            .get(&format!("biztalk.primary.hosts.{server}"))
            .unwrap();
        assert_eq!(
            hosts.depends_on,
            ["biztalk.primary.group".to_string(), addr]
        );
    }
}

#[test]
fn the_first_server_gets_the_runtime_and_the_others_join_sso_the_group_and_the_runtime() {
    let (_, artifacts) = build("contoso-prod");
    let first = file(
        &artifacts,
        "biztalk.primary.server.BTSAPP01",
        "ServerConfiguration.xml",
    );
    let (features, answers) = features_and_answers(&first);
    assert_eq!(features, ["Engine,BTSCfg"]);
    assert_eq!(
        answers,
        [
            "HOST=Yes",
            "TRUSTEDHOST=No",
            "GENERICHOST=Yes",
            "ISOHOST=Yes",
            "TRUSTEDIHOST=No",
            "GENERICIHOST=Yes"
        ]
    );
    assert!(first.contains("<Value>BizTalkServerApplication</Value>"));
    assert!(first.contains("<Value>BizTalkServerIsolatedHost</Value>"));

    let join = file(
        &artifacts,
        "biztalk.primary.server.BTSAPP02",
        "ServerConfiguration.xml",
    );
    let (features, answers) = features_and_answers(&join);
    assert_eq!(features, ["SSOServer,Engine", "WMI", "Engine,BTSCfg"]);
    assert_eq!(&answers[..2], ["IsSecretServer=Join", "CREATEORJOIN=Join"]);
    assert!(join.contains("<Server>BTSSQL01</Server>\n      <Database>SSODB</Database>"));
    assert!(join.contains("<Server>BTSSQL01</Server>\n      <Database>BizTalkMgmtDb</Database>"));
    assert!(join.contains("<NTAccount ScopeType=\"105\" UpLevelFlags=\"672\" DownLevelFlags=\"2147483654\">CONTOSO\\BizTalk Application Users</NTAccount>"));

    // No password in the XML: every Password element is empty; the apply step fills the
    // ENTSSO and host instance passwords from its payload, by key.
    for xml in [&first, &join] {
        assert_eq!(
            xml.matches("<Password />").count(),
            xml.matches("<Password").count()
        );
    }
    let apply = file(&artifacts, "biztalk.primary.server.BTSAPP02", "apply.ps1");
    assert_eq!(
        apply.matches("-Key 'biztalk.sso.service_password'").count(),
        3
    );
    assert!(
        apply.contains("Start-Process -FilePath $Tool -ArgumentList $arguments -Wait -PassThru")
    );
    assert!(apply.contains("Remove-Item -LiteralPath $privateDir -Recurse -Force"));
    let apply1 = file(&artifacts, "biztalk.primary.server.BTSAPP01", "apply.ps1");
    assert!(!apply1.contains("NTService[@ID='ENTSSO']"));
}

#[test]
fn a_gmsa_runs_the_host_instances_without_a_password() {
    let (_, artifacts) = build("lab");
    let xml = file(
        &artifacts,
        "biztalk.primary.server.LABBTS1",
        "ServerConfiguration.xml",
    );
    assert!(xml.contains("<UserName>gmsa-entsso$</UserName>\n          <Domain>LAB</Domain>"));
    let apply = file(&artifacts, "biztalk.primary.server.LABBTS1", "apply.ps1");
    assert!(!apply.contains("Set-BisrcConfigSecret -Document"));
}
