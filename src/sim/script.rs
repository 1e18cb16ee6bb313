//! What a step's text decides that its header cannot say: how a program is started and a
//! cmdlet's switches. The simulator serves steps from their header; these few checks read the
//! script itself, because Windows's answer depends on the text (a missing `/s` hangs the step,
//! a missing `-RemoveResources` is refused). A script that never starts the program or calls
//! the cmdlet (the simulator's own tests send a header and a stub body) passes them.

/// WB-PROC-02: over OpenSSH there is no desktop, so a program that shows its window waits
/// forever. SQL Server setup runs from a configuration file that says `QUIET` (or
/// `QUIETSIMPLE`); `Configuration.exe` runs with `/s`
/// (https://learn.microsoft.com/en-us/sql/database-engine/install-windows/install-sql-server-using-a-configuration-file ;
/// https://learn.microsoft.com/en-us/biztalk/install-and-config-guides/working-with-the-configuration-framework).
pub(super) fn silent(script: &str) -> Result<(), String> {
    let hang = |program: &str| {
        format!(
            "the step did not finish before the command deadline: {program} started in its interactive mode and waits for a desktop that an OpenSSH session does not have"
        )
    };
    if script.contains("/ConfigurationFile=")
        && !(script.contains("QUIET=\"True\"") || script.contains("QUIETSIMPLE=\"True\""))
    {
        return Err(hang(
            "SQL Server setup (no QUIET in its configuration file)",
        ));
    }
    if script.contains("Invoke-BisrcConfiguration") && !script.contains("'/s \"{0}\"") {
        return Err(hang("Configuration.exe (no /s)"));
    }
    Ok(())
}

/// WB-CL-08: `New-Cluster -ManagementPointNetworkType Singleton` (the default, Automatic,
/// makes a distributed network name in Azure)
/// (https://learn.microsoft.com/en-us/powershell/module/failoverclusters/new-cluster).
pub(super) fn singleton_management_point(script: &str) -> bool {
    script.contains("-ManagementPointNetworkType Singleton")
}

/// WB-SETUP-05: unattended setup needs the license terms accepted
/// (`IACCEPTSQLSERVERLICENSETERMS`); without them setup stops asking for them
/// (https://learn.microsoft.com/en-us/sql/database-engine/install-windows/install-sql-server-from-the-command-prompt).
pub(super) fn accepts_license(script: &str) -> Result<(), String> {
    if script.contains("/ConfigurationFile=")
        && !script.contains("IACCEPTSQLSERVERLICENSETERMS=\"True\"")
        && !script.contains("/IACCEPTSQLSERVERLICENSETERMS")
    {
        return Err("the /IACCEPTSQLSERVERLICENSETERMS parameter is missing: an unattended installation must accept the license terms".into());
    }
    Ok(())
}

/// WB-BTS-01: `Configuration.exe` is a Windows (GUI) program. Started without
/// `Start-Process -Wait`, PowerShell returns at once, the script deletes the input file while
/// the program still reads it, and the exit code is never read
/// (https://learn.microsoft.com/en-us/powershell/module/microsoft.powershell.management/start-process).
pub(super) fn waits_for_configuration(script: &str) -> Result<(), String> {
    if script.contains("Invoke-BisrcConfiguration")
        && !script
            .contains("Start-Process -FilePath $Tool -ArgumentList $arguments -Wait -PassThru")
    {
        return Err("BizTalk Server Configuration failed: the configuration file was deleted while Configuration.exe was still reading it (the step did not wait for the program: start it with Start-Process -Wait -PassThru and read its exit code)".into());
    }
    Ok(())
}

/// WB-DEL-03: "If the group still has resources in it, you must either remove the resources
/// first, or specify the -RemoveResources parameter"
/// (https://learn.microsoft.com/en-us/powershell/module/failoverclusters/remove-clustergroup).
/// `has_resources`: the group holds resources (a role always does: its name, address, ...).
pub(super) fn removes_resources(
    script: &str,
    group: &str,
    has_resources: bool,
) -> Result<(), String> {
    if has_resources
        && script.contains("Remove-ClusterGroup")
        && !script.contains("-RemoveResources")
    {
        return Err(format!(
            "Remove-ClusterGroup : The group '{group}' still has resources in it; remove the resources first, or specify the -RemoveResources parameter."
        ));
    }
    Ok(())
}
