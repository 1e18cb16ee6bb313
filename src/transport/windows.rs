//! The Windows command form: the one fixed command line bisrc sends to a Windows node.
//!
//! OpenSSH on Windows hands the command line to `cmd.exe` (8,191 characters at most), so the
//! command carries only a small PowerShell bootstrap, as
//! `powershell -NoProfile -NonInteractive -EncodedCommand <base64 of UTF-16LE>`. The bootstrap
//! reads the whole standard input as a step [`Payload`](crate::step::Payload), runs each step
//! script and prints one `BISRC-RESULT` line per step. This module produces that command line
//! and recognises it again ([`decode_command_line`]) for the node simulator; it never puts a
//! step script or a secret on the command line.

use base64::Engine as _;

/// The bootstrap's PowerShell text (Windows PowerShell 5.1 compatible).
///
/// For each step: the script becomes a scriptblock run in a child scope with
/// `$ErrorActionPreference = 'Stop'`; its output objects are turned into text and the last line
/// that parses as a JSON object is the result; resource and action come from the script's
/// `# bisrc-step:` header. Secrets are in `$BisrcSecrets` (a hashtable). After the first failed
/// step the rest are skipped unless `continue_on_error`; the exit code is 1 when any step
/// failed. Step scripts must `throw` on failure, not call `exit` (that would end the bootstrap).
/// A step hands files back (success or failure) through `$BisrcArtifacts` (name → base64),
/// which the bootstrap resets before each step and prints in its result line.
/// The payload is parsed by a .NET method (`JavaScriptSerializer`), never handed to a cmdlet:
/// PowerShell Module Logging records cmdlet parameter values (event 4103, about_Logging), and
/// the payload holds the run's secrets (review3 F14).
pub const BOOTSTRAP: &str = r#"$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'
try { [Console]::OutputEncoding = New-Object System.Text.UTF8Encoding $false } catch { }
$ms = New-Object System.IO.MemoryStream
[Console]::OpenStandardInput().CopyTo($ms)
Add-Type -AssemblyName System.Web.Extensions
$json = New-Object System.Web.Script.Serialization.JavaScriptSerializer
$json.MaxJsonLength = [int]::MaxValue
$payload = $json.DeserializeObject([System.Text.Encoding]::UTF8.GetString($ms.ToArray()))
$BisrcSecrets = @{}
if ($null -ne $payload['secrets']) {
  foreach ($k in @($payload['secrets'].Keys)) { $BisrcSecrets[$k] = [string]$payload['secrets'][$k] }
}
function Q($v) { ConvertTo-Json -InputObject ([string]$v) -Compress }
$failed = $false
$index = 0
foreach ($step in @($payload['steps'])) {
  if ($failed -and -not $payload['continue_on_error']) { break }
  $text = [string]$step['script']
  $resource = ''; $action = ''
  $first = ($text -split "`n", 2)[0].TrimEnd("`r").TrimStart([char]0xFEFF)
  if ($first.StartsWith('# bisrc-step: ')) {
    try { $h = $first.Substring(14) | ConvertFrom-Json; $resource = [string]$h.resource; $action = [string]$h.action } catch { }
  }
  $ok = $false; $result = 'null'; $err = ''; $BisrcArtifacts = @{}
  $sw = [System.Diagnostics.Stopwatch]::StartNew()
  try {
    $block = [ScriptBlock]::Create($text)
    $lines = @(& $block | ForEach-Object { ([string]$_) -split "`r?`n" })
    for ($i = $lines.Count - 1; $i -ge 0; $i--) {
      $l = $lines[$i].Trim()
      if ($l.StartsWith('{')) {
        try { $null = ConvertFrom-Json -InputObject $l; $result = $l; $ok = $true; break } catch { }
      }
    }
    if (-not $ok) { $err = 'the step printed no JSON result line' }
  } catch {
    $err = [string]$_.Exception.Message
    if ($_.InvocationInfo) { $err += ' (line ' + $_.InvocationInfo.ScriptLineNumber + ')' }
    [Console]::Error.WriteLine($resource + ': ' + $err)
  }
  $sw.Stop()
  if (-not $ok) { $failed = $true }
  $line = '{"index":' + $index + ',"resource":' + (Q $resource) + ',"action":' + (Q $action) +
    ',"ok":' + $(if ($ok) { 'true' } else { 'false' }) + ',"result":' + $result +
    ',"error":' + (Q $err) + ',"duration_ms":' + [long]$sw.ElapsedMilliseconds +
    ',"artifacts":{' + ((@($BisrcArtifacts.Keys) | ForEach-Object { (Q $_) + ':' + (Q $BisrcArtifacts[$_]) }) -join ',') + '}}'
  [Console]::Out.WriteLine('BISRC-RESULT ' + $line)
  [Console]::Out.Flush()
  $index++
}
if ($failed) { exit 1 } else { exit 0 }
"#;

/// The program and switches before the encoded bootstrap.
const PREFIX: &str = "powershell -NoProfile -NonInteractive -EncodedCommand ";

/// `cmd.exe`'s command-line limit: the command must stay below it.
pub const CMD_EXE_MAX: usize = 8191;

/// Base64 of the UTF-16LE bytes of `text`, as `-EncodedCommand` expects.
pub fn encode_powershell(text: &str) -> String {
    let bytes: Vec<u8> = text.encode_utf16().flat_map(|u| u.to_le_bytes()).collect();
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// The command line that runs the bootstrap.
pub fn command_line() -> String {
    format!("{PREFIX}{}", encode_powershell(BOOTSTRAP))
}

/// The PowerShell text of a `powershell ... -EncodedCommand <b64>` command line, or `None`
/// when the line has another form or does not decode.
pub fn decode_command_line(line: &str) -> Option<String> {
    let mut words = line.split_whitespace();
    let program = words.next()?;
    let program = program.rsplit(['\\', '/']).next()?.to_ascii_lowercase();
    if program != "powershell" && program != "powershell.exe" && program != "pwsh" {
        return None;
    }
    let mut encoded = None;
    while let Some(w) = words.next() {
        let w = w.to_ascii_lowercase();
        if w == "-encodedcommand" || w == "-enc" || w == "-e" {
            encoded = Some(words.next()?);
            break;
        }
    }
    if words.next().is_some() {
        return None;
    }
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(encoded?)
        .ok()?;
    if bytes.len() % 2 != 0 {
        return None;
    }
    let units: Vec<u16> = bytes
        .chunks_exact(2)
        .map(|c| u16::from_le_bytes([c[0], c[1]]))
        .collect();
    String::from_utf16(&units).ok()
}

/// Whether a command line is exactly bisrc's bootstrap.
pub fn is_bootstrap(line: &str) -> bool {
    decode_command_line(line).as_deref() == Some(BOOTSTRAP)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn command_line_decodes_to_the_bootstrap_and_fits_cmd_exe() {
        let line = command_line();
        assert!(line.starts_with("powershell -NoProfile -NonInteractive -EncodedCommand "));
        assert!(
            line.len() < CMD_EXE_MAX,
            "command line is {} characters, cmd.exe allows {}",
            line.len(),
            CMD_EXE_MAX
        );
        assert_eq!(decode_command_line(&line).as_deref(), Some(BOOTSTRAP));
        assert!(is_bootstrap(&line));
    }

    #[test]
    fn other_command_lines_are_not_the_bootstrap() {
        assert_eq!(decode_command_line("echo hi"), None);
        assert_eq!(decode_command_line("powershell -Command Get-Date"), None);
        assert_eq!(
            decode_command_line("powershell -EncodedCommand !!notbase64"),
            None
        );
        let other = format!("{PREFIX}{}", encode_powershell("Write-Output 1"));
        assert_eq!(
            decode_command_line(&other).as_deref(),
            Some("Write-Output 1")
        );
        assert!(!is_bootstrap(&other));
        let trailing = format!("{} extra", command_line());
        assert_eq!(decode_command_line(&trailing), None);
    }

    #[test]
    fn encoding_is_utf16le_base64() {
        // "A" → 0x41 0x00 → "QQA="
        assert_eq!(encode_powershell("A"), "QQA=");
        assert_eq!(encode_powershell("é"), "6QA=");
    }

    fn syntax_errors(text: &str) -> Vec<String> {
        let mut parser = tree_sitter::Parser::new();
        parser
            .set_language(&tree_sitter_powershell::LANGUAGE.into())
            .expect("grammar loads");
        let tree = parser.parse(text, None).expect("parse");
        let mut errors = Vec::new();
        let mut stack = vec![tree.root_node()];
        while let Some(node) = stack.pop() {
            if node.is_error() || node.is_missing() {
                let p = node.start_position();
                errors.push(format!(
                    "{} at {}:{}",
                    if node.is_missing() {
                        format!("MISSING {}", node.kind())
                    } else {
                        "ERROR".to_string()
                    },
                    p.row + 1,
                    p.column + 1
                ));
            }
            let mut cursor = node.walk();
            stack.extend(node.children(&mut cursor));
        }
        errors
    }

    #[test]
    fn bootstrap_parses_as_powershell() {
        assert_eq!(syntax_errors(BOOTSTRAP), Vec::<String>::new());
        // The check itself can fail: a broken script is reported.
        assert!(!syntax_errors("function f {\n  Write-Output 1\n").is_empty());
    }
}
