//! One DNS question to one server: UDP first, TCP when the answer does not
//! fit (the TC bit), each within the given time.

use std::net::SocketAddr;
use std::time::Duration;

use hickory_proto::op::{Edns, Message, MessageType, OpCode, Query, ResponseCode};
use hickory_proto::rr::{Name, RData, Record, RecordType as WireType};
use portcullis_dnscheck::{Answer, LookupError, Rcode, Rdata, RecordType};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::{TcpStream, UdpSocket};

/// The EDNS buffer size recommended since DNS Flag Day 2020: avoids IP
/// fragmentation; bigger answers come over TCP.
const EDNS_PAYLOAD: u16 = 1232;
/// The largest DNS message (TCP length prefix is 16 bits).
const MAX_MESSAGE: usize = 65_535;
/// CNAME links followed inside one answer.
const MAX_CHAIN: usize = 16;

/// Ask `server` for `rtype` records at `name`.
pub(crate) async fn query(
    server: SocketAddr,
    name: &str,
    rtype: RecordType,
    id: u16,
    timeout: Duration,
) -> Result<Answer, LookupError> {
    let qname =
        Name::from_ascii(format!("{name}.")).map_err(|e| LookupError::Other(format!("bad name {name}: {e}")))?;
    let request = request(&qname, wire_type(rtype), id)?;
    let reply = within(timeout, udp(server, &request, id)).await?;
    let reply = if reply.truncated() { within(timeout, tcp(server, &request, id)).await? } else { reply };
    answer(&qname, rtype, &reply)
}

async fn within<T>(limit: Duration, work: impl Future<Output = Result<T, LookupError>>) -> Result<T, LookupError> {
    tokio::time::timeout(limit, work).await.unwrap_or(Err(LookupError::Timeout))
}

fn request(qname: &Name, rtype: WireType, id: u16) -> Result<Vec<u8>, LookupError> {
    let mut message = Message::new();
    message.set_id(id).set_message_type(MessageType::Query).set_op_code(OpCode::Query).set_recursion_desired(true);
    // AD in a query asks the resolver to report whether it validated (RFC 6840 5.7).
    message.set_authentic_data(true);
    message.add_query(Query::query(qname.clone(), rtype));
    let mut edns = Edns::new();
    edns.set_max_payload(EDNS_PAYLOAD).set_version(0).set_dnssec_ok(true);
    message.set_edns(edns);
    message.to_vec().map_err(|e| LookupError::Other(format!("could not build the query: {e}")))
}

async fn udp(server: SocketAddr, request: &[u8], id: u16) -> Result<Message, LookupError> {
    let local: SocketAddr = if server.is_ipv4() { ([0, 0, 0, 0], 0).into() } else { ([0u16; 8], 0).into() };
    let socket = UdpSocket::bind(local).await.map_err(net)?;
    socket.connect(server).await.map_err(net)?;
    socket.send(request).await.map_err(net)?;
    let mut buf = vec![0u8; MAX_MESSAGE];
    loop {
        let n = socket.recv(&mut buf).await.map_err(net)?;
        // A reply with another id is stray or forged: keep waiting for ours.
        if let Some(message) = buf.get(..n).and_then(|b| Message::from_vec(b).ok())
            && message.id() == id
        {
            return Ok(message);
        }
    }
}

async fn tcp(server: SocketAddr, request: &[u8], id: u16) -> Result<Message, LookupError> {
    let mut stream = TcpStream::connect(server).await.map_err(net)?;
    let len = u16::try_from(request.len()).map_err(|_| LookupError::Other("query too long".into()))?;
    let mut framed = len.to_be_bytes().to_vec();
    framed.extend_from_slice(request);
    stream.write_all(&framed).await.map_err(net)?;
    let mut prefix = [0u8; 2];
    stream.read_exact(&mut prefix).await.map_err(net)?;
    let mut buf = vec![0u8; usize::from(u16::from_be_bytes(prefix))];
    stream.read_exact(&mut buf).await.map_err(net)?;
    let message = Message::from_vec(&buf).map_err(|e| LookupError::Other(format!("malformed reply: {e}")))?;
    if message.id() == id { Ok(message) } else { Err(LookupError::Other("reply to another query".into())) }
}

fn net(e: std::io::Error) -> LookupError {
    LookupError::Other(e.to_string())
}

/// The reply as the checks see it.
fn answer(qname: &Name, rtype: RecordType, reply: &Message) -> Result<Answer, LookupError> {
    let rcode = match reply.response_code() {
        ResponseCode::NoError => Rcode::NoError,
        ResponseCode::NXDomain => Rcode::NxDomain,
        ResponseCode::ServFail => return Err(LookupError::ServFail),
        ResponseCode::Refused => return Err(LookupError::Refused),
        other => return Err(LookupError::Other(format!("the DNS server answered {other}"))),
    };
    let mut current = qname.clone();
    let mut cnames = Vec::new();
    while cnames.len() < MAX_CHAIN && rtype != RecordType::Cname {
        let next = reply.answers().iter().find_map(|r| match r.data() {
            RData::CNAME(target) if r.name().eq_case(&current) || r.name() == &current => Some(target.0.clone()),
            _ => None,
        });
        let Some(target) = next else { break };
        cnames.push((text(&current), text(&target)));
        current = target;
    }
    let wanted = wire_type(rtype);
    let records =
        reply.answers().iter().filter(|r| r.record_type() == wanted && r.name() == &current).map(rdata).collect();
    Ok(Answer { rcode, records, cnames, authenticated: reply.authentic_data() })
}

/// A name as the checks use them: lower-case, no trailing dot.
fn text(name: &Name) -> String {
    name.to_ascii().trim_end_matches('.').to_ascii_lowercase()
}

fn rdata(record: &Record) -> Rdata {
    match record.data() {
        RData::A(a) => Rdata::A(a.0),
        RData::AAAA(a) => Rdata::Aaaa(a.0),
        RData::MX(mx) => Rdata::Mx { preference: mx.preference(), exchange: text(mx.exchange()) },
        RData::TXT(txt) => Rdata::Txt(txt.txt_data().iter().map(|s| s.to_vec()).collect()),
        RData::CNAME(c) => Rdata::Cname(text(&c.0)),
        RData::NS(ns) => Rdata::Ns(text(&ns.0)),
        RData::CAA(caa) => Rdata::Caa {
            critical: caa.issuer_critical(),
            tag: caa.tag().as_str().to_ascii_lowercase(),
            value: String::from_utf8_lossy(caa.raw_value()).into_owned(),
        },
        RData::SOA(_) => Rdata::Soa,
        RData::PTR(ptr) => Rdata::Ptr(text(&ptr.0)),
        _ if record.record_type() == WireType::DS => Rdata::Ds,
        _ => Rdata::Dnskey,
    }
}

const fn wire_type(rtype: RecordType) -> WireType {
    match rtype {
        RecordType::A => WireType::A,
        RecordType::Aaaa => WireType::AAAA,
        RecordType::Mx => WireType::MX,
        RecordType::Txt => WireType::TXT,
        RecordType::Cname => WireType::CNAME,
        RecordType::Caa => WireType::CAA,
        RecordType::Ns => WireType::NS,
        RecordType::Ds => WireType::DS,
        RecordType::Dnskey => WireType::DNSKEY,
        RecordType::Soa => WireType::SOA,
        RecordType::Ptr => WireType::PTR,
    }
}
