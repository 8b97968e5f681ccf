//! The site attacked the way an outsider would, over real HTTP on
//! loopback: forged and cross-origin forms, login abuse, slow clients,
//! cache and metrics leaks, hostile feed data. Each test names the attack
//! it stands for.

mod connections;
mod feeds;
mod forms;
mod images;
mod login;
mod operator;
mod support;
