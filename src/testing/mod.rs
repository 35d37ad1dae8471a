//! Testing: access tests (declared and derived) → results, and pgTAP files.
