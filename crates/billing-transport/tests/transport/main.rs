//! Integration tests of the transport against real HTTP servers on 127.0.0.1.

mod auth;
mod common;
mod layers;
mod limits;
mod regions;
mod retry;
