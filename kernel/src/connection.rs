//! The connection file Jupyter writes for each kernel it starts.

use std::path::Path;

use serde::Deserialize;

#[derive(Clone, Debug, Deserialize)]
pub struct ConnectionInfo {
    pub transport: String,
    pub ip: String,
    pub key: String,
    #[serde(default = "default_scheme")]
    pub signature_scheme: String,
    pub shell_port: u16,
    pub iopub_port: u16,
    pub stdin_port: u16,
    pub control_port: u16,
    pub hb_port: u16,
}

fn default_scheme() -> String {
    "hmac-sha256".into()
}

impl ConnectionInfo {
    pub fn read(path: &Path) -> Result<Self, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("{}: cannot read connection file: {e}", path.display()))?;
        let info: ConnectionInfo = serde_json::from_str(&text)
            .map_err(|e| format!("{}: not a Jupyter connection file: {e}", path.display()))?;
        if !info.key.is_empty() && info.signature_scheme != "hmac-sha256" {
            return Err(format!(
                "{}: signature scheme {:?} is not supported (only hmac-sha256)",
                path.display(),
                info.signature_scheme
            ));
        }
        if info.transport != "tcp" {
            return Err(format!(
                "{}: transport {:?} is not supported (only tcp)",
                path.display(),
                info.transport
            ));
        }
        Ok(info)
    }

    /// The endpoint for a port, exactly where the file says (never a wildcard it did not ask for).
    pub fn endpoint(&self, port: u16) -> String {
        format!("{}://{}:{}", self.transport, self.ip, port)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_a_connection_file_and_rejects_bad_ones() {
        let dir = tempfile::tempdir().unwrap();
        let good = dir.path().join("kernel-1.json");
        std::fs::write(
            &good,
            r#"{"transport":"tcp","ip":"127.0.0.1","key":"k","signature_scheme":"hmac-sha256",
                "shell_port":5001,"iopub_port":5002,"stdin_port":5003,"control_port":5004,
                "hb_port":5005,"kernel_name":"mapping"}"#,
        )
        .unwrap();
        let info = ConnectionInfo::read(&good).unwrap();
        assert_eq!(info.endpoint(info.shell_port), "tcp://127.0.0.1:5001");

        let md5 = dir.path().join("md5.json");
        std::fs::write(
            &md5,
            r#"{"transport":"tcp","ip":"127.0.0.1","key":"k","signature_scheme":"hmac-md5",
                "shell_port":1,"iopub_port":2,"stdin_port":3,"control_port":4,"hb_port":5}"#,
        )
        .unwrap();
        let err = ConnectionInfo::read(&md5).unwrap_err();
        assert!(
            err.contains("md5.json") && err.contains("hmac-md5"),
            "{err}"
        );

        let missing = ConnectionInfo::read(&dir.path().join("nope.json")).unwrap_err();
        assert!(missing.contains("nope.json"), "{missing}");
    }
}
