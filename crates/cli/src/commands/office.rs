//! `portcullis office …`

use anyhow::Result;
use portcullis_app::Actor;
use serde::Serialize;

use crate::args::{Cli, OfficeCommand};
use crate::context::open_app;
use crate::output::{Outcome, print_json, say};

#[derive(Serialize)]
struct OfficeLine {
    id: String,
    name: String,
    created_at: String,
    demo: bool,
}

/// Create or list offices.
pub async fn run(cli: &Cli, cmd: &OfficeCommand) -> Result<Outcome> {
    let app = open_app(cli).await?;
    let result = match cmd {
        OfficeCommand::Create { name } => app.create_office(name, false, &Actor::Cli).await.map(|o| vec![o]),
        OfficeCommand::List => app.offices().await,
    };
    app.close().await;
    let lines: Vec<OfficeLine> = result?
        .into_iter()
        .map(|o| OfficeLine {
            id: o.id.to_string(),
            name: o.name.to_string(),
            created_at: o.created_at.to_rfc3339(),
            demo: o.demo,
        })
        .collect();
    if cli.json {
        for line in &lines {
            print_json(line)?;
        }
    } else if lines.is_empty() {
        say("No offices yet. Create one with: portcullis office create \"Office of …\"");
    } else {
        for l in &lines {
            let demo = if l.demo { " (demo)" } else { "" };
            say(format_args!("{}  {}{demo}", l.id, l.name));
        }
    }
    Ok(Outcome::Clean)
}
