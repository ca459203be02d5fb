//! Errors found in a flow file: each names the file, the place (line, step, button) and the
//! problem, so the author can fix it without reading statbot's code.

use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FlowError {
    pub file: String,
    /// 1-based line of the offending table or value, when known.
    pub line: Option<usize>,
    /// Where in the flow, e.g. "step `welcome`, button 2".
    pub place: String,
    pub problem: String,
}

impl fmt::Display for FlowError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
        }
        if !self.place.is_empty() {
            write!(f, ": {}", self.place)?;
        }
        write!(f, ": {}", self.problem)
    }
}

/// Every problem found in one flow file (validation does not stop at the first).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FlowErrors(pub Vec<FlowError>);

impl fmt::Display for FlowErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{e}")?;
        }
        Ok(())
    }
}

impl std::error::Error for FlowErrors {}
