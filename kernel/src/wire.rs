//! Jupyter wire messages: framing and HMAC-SHA256 signatures.
//!
//! A message on a ZeroMQ socket is `[identities.., "<IDS|MSG>", signature, header,
//! parent_header, metadata, content, buffers..]`; the signature is the hex HMAC of the four
//! JSON frames under the connection file's key. Every incoming message is verified before it is
//! parsed; an unsigned or forged one is rejected.

use bytes::Bytes;
use hmac::{Hmac, KeyInit, Mac};
use serde_json::{json, Value};
use sha2::Sha256;

const DELIMITER: &[u8] = b"<IDS|MSG>";
pub const PROTOCOL_VERSION: &str = "5.3";

/// Why an incoming message was rejected.
#[derive(Debug, PartialEq, Eq)]
pub enum WireError {
    NoDelimiter,
    MissingFrames(usize),
    BadSignature,
    BadJson(&'static str, String),
}

impl std::fmt::Display for WireError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            WireError::NoDelimiter => write!(f, "no <IDS|MSG> delimiter"),
            WireError::MissingFrames(n) => write!(f, "{n} frames after the delimiter, need 5"),
            WireError::BadSignature => write!(f, "signature does not match the connection key"),
            WireError::BadJson(frame, e) => write!(f, "{frame} is not JSON: {e}"),
        }
    }
}

/// Signs and verifies with the connection key. An empty key disables signing, as the
/// protocol specifies.
#[derive(Clone)]
pub struct Signer {
    mac: Option<Hmac<Sha256>>,
}

impl Signer {
    pub fn new(key: &str) -> Self {
        let mac = (!key.is_empty())
            .then(|| Hmac::<Sha256>::new_from_slice(key.as_bytes()).expect("HMAC takes any key"));
        Self { mac }
    }

    pub fn sign(&self, frames: &[&[u8]]) -> String {
        match &self.mac {
            None => String::new(),
            Some(mac) => {
                let mut mac = mac.clone();
                for frame in frames {
                    mac.update(frame);
                }
                hex::encode(mac.finalize().into_bytes())
            }
        }
    }

    /// Constant-time check of a hex signature.
    pub fn verify(&self, signature: &[u8], frames: &[&[u8]]) -> bool {
        match &self.mac {
            None => true,
            Some(mac) => {
                let Ok(expected) = hex::decode(signature) else {
                    return false;
                };
                let mut mac = mac.clone();
                for frame in frames {
                    mac.update(frame);
                }
                mac.verify_slice(&expected).is_ok()
            }
        }
    }
}

/// One Jupyter message.
#[derive(Clone, Debug, PartialEq)]
pub struct Message {
    /// ROUTER routing frames, sent back with replies.
    pub identities: Vec<Bytes>,
    pub header: Value,
    pub parent_header: Value,
    pub metadata: Value,
    pub content: Value,
    pub buffers: Vec<Bytes>,
}

impl Message {
    pub fn msg_type(&self) -> &str {
        self.header["msg_type"].as_str().unwrap_or("")
    }

    /// Checks the signature, then parses the frames.
    pub fn decode(frames: Vec<Bytes>, signer: &Signer) -> Result<Message, WireError> {
        let split = frames
            .iter()
            .position(|f| f.as_ref() == DELIMITER)
            .ok_or(WireError::NoDelimiter)?;
        let rest = &frames[split + 1..];
        if rest.len() < 5 {
            return Err(WireError::MissingFrames(rest.len()));
        }
        let json_frames = [&rest[1][..], &rest[2][..], &rest[3][..], &rest[4][..]];
        if !signer.verify(&rest[0], &json_frames) {
            return Err(WireError::BadSignature);
        }
        let parse = |name: &'static str, bytes: &[u8]| {
            serde_json::from_slice::<Value>(bytes)
                .map_err(|e| WireError::BadJson(name, e.to_string()))
        };
        Ok(Message {
            identities: frames[..split].to_vec(),
            header: parse("header", json_frames[0])?,
            parent_header: parse("parent_header", json_frames[1])?,
            metadata: parse("metadata", json_frames[2])?,
            content: parse("content", json_frames[3])?,
            buffers: rest[5..].to_vec(),
        })
    }

    /// The frames to send, signed.
    pub fn encode(&self, signer: &Signer) -> Vec<Bytes> {
        let json: Vec<Vec<u8>> = [
            &self.header,
            &self.parent_header,
            &self.metadata,
            &self.content,
        ]
        .iter()
        .map(|v| serde_json::to_vec(v).expect("JSON values serialize"))
        .collect();
        let refs: Vec<&[u8]> = json.iter().map(Vec::as_slice).collect();
        let signature = signer.sign(&refs);
        let mut frames = self.identities.clone();
        frames.push(Bytes::from_static(DELIMITER));
        frames.push(Bytes::from(signature));
        frames.extend(json.into_iter().map(Bytes::from));
        frames.extend(self.buffers.iter().cloned());
        frames
    }

    /// A new message of `msg_type` in reply to (or caused by) `self`.
    pub fn child(&self, session: &str, msg_type: &str, content: Value) -> Message {
        Message {
            identities: self.identities.clone(),
            header: header(session, msg_type),
            parent_header: self.header.clone(),
            metadata: json!({}),
            content,
            buffers: Vec::new(),
        }
    }
}

pub fn header(session: &str, msg_type: &str) -> Value {
    json!({
        "msg_id": uuid::Uuid::new_v4().to_string(),
        "session": session,
        "username": "mapping-kernel",
        "date": chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
        "msg_type": msg_type,
        "version": PROTOCOL_VERSION,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(signer: &Signer) -> Vec<Bytes> {
        let msg = Message {
            identities: vec![Bytes::from_static(b"client-1")],
            header: header("s", "kernel_info_request"),
            parent_header: json!({}),
            metadata: json!({}),
            content: json!({}),
            buffers: vec![],
        };
        msg.encode(signer)
    }

    #[test]
    fn signed_message_round_trips() {
        let signer = Signer::new("secret-key");
        let frames = request(&signer);
        let msg = Message::decode(frames, &signer).unwrap();
        assert_eq!(msg.msg_type(), "kernel_info_request");
        assert_eq!(msg.identities, vec![Bytes::from_static(b"client-1")]);
    }

    #[test]
    fn signature_matches_an_independent_hmac() {
        // RFC 4231 test case 2: key "Jefe", data "what do ya want for nothing?".
        let signer = Signer::new("Jefe");
        assert_eq!(
            signer.sign(&[b"what do ya ", b"want for nothing?"]),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn forged_unsigned_and_wrong_key_messages_are_rejected() {
        let signer = Signer::new("secret-key");
        // Content changed after signing.
        let mut forged = request(&signer);
        let content = forged.len() - 1;
        forged[content] = Bytes::from_static(br#"{"code":"std::process::exit(1)"}"#);
        assert_eq!(
            Message::decode(forged, &signer),
            Err(WireError::BadSignature)
        );
        // No signature at all.
        let unsigned = request(&Signer::new(""));
        assert_eq!(
            Message::decode(unsigned, &signer),
            Err(WireError::BadSignature)
        );
        // Signed with another key.
        let other = request(&Signer::new("other-key"));
        assert_eq!(
            Message::decode(other, &signer),
            Err(WireError::BadSignature)
        );
        // Garbage.
        assert_eq!(
            Message::decode(vec![Bytes::from_static(b"x")], &signer),
            Err(WireError::NoDelimiter)
        );
    }
}
