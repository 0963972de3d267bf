//! A certificate as its holder prints it.

use serde::{Deserialize, Serialize};

/// The certificate to print (A4) or save as PDF, for its holder only: the full name, the
/// training, and a QR code of the public verification page.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PrintableCertificate {
    pub code: String,
    pub holder: String,
    pub training: String,
    pub provider: String,
    pub platform: String,
    pub completed_on: String,
    pub verify_url: String,
    /// An SVG drawn by the server from `verify_url`.
    pub qr_svg: String,
    pub revoked: bool,
}
