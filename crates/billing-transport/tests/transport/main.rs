//! Integration tests of the transport against real HTTP servers on 127.0.0.1.

mod auth;
mod common;
mod compression;
mod layers;
mod limits;
mod proxy;
mod regions;
mod retry;
mod tls;
mod virtual_time;
