//! Hash and crypto functions. `uuid` and `bcrypt` are non-deterministic: at plan time they are
//! unknown.

use base64::Engine as _;
use md5::Digest as _;

use super::filesystem::read_bytes;
use super::util::{int_at, str_at};
use super::{param, FuncContext, FuncError, FuncResult, Function, Marks, ParamType};
use crate::lang::types::Type;
use crate::lang::value::Value;

const fn plain(
    name: &'static str,
    params: &'static [super::Param],
    body: super::FuncBody,
) -> Function {
    Function {
        name,
        params,
        variadic: None,
        returns: ParamType::String,
        marks: Marks::Plain,
        body,
    }
}

const STR: &[super::Param] = &[param("str", ParamType::String)];
const PATH: &[super::Param] = &[param("path", ParamType::String)];

pub(super) const FUNCTIONS: &[Function] = &[
    plain("md5", STR, md5_fn),
    plain("sha1", STR, sha1_fn),
    plain("sha256", STR, sha256_fn),
    plain("sha512", STR, sha512_fn),
    plain("base64sha256", STR, base64sha256),
    plain("base64sha512", STR, base64sha512),
    plain("filemd5", PATH, filemd5),
    plain("filesha1", PATH, filesha1),
    plain("filesha256", PATH, filesha256),
    plain("filesha512", PATH, filesha512),
    plain("filebase64sha256", PATH, filebase64sha256),
    plain("filebase64sha512", PATH, filebase64sha512),
    plain("uuid", &[], uuid_fn),
    Function {
        name: "bcrypt",
        params: &[param("str", ParamType::String)],
        variadic: Some(param("cost", ParamType::Number)),
        returns: ParamType::String,
        marks: Marks::Plain,
        body: bcrypt_fn,
    },
];

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

fn md5_of(data: &[u8]) -> Vec<u8> {
    md5::Md5::digest(data).to_vec()
}

fn sha1_of(data: &[u8]) -> Vec<u8> {
    sha1::Sha1::digest(data).to_vec()
}

fn sha256_of(data: &[u8]) -> Vec<u8> {
    sha2::Sha256::digest(data).to_vec()
}

fn sha512_of(data: &[u8]) -> Vec<u8> {
    sha2::Sha512::digest(data).to_vec()
}

fn md5_fn(_: &FuncContext, args: Vec<Value>) -> FuncResult {
    Ok(Value::String(hex(&md5_of(str_at(&args, 0).as_bytes()))))
}

fn sha1_fn(_: &FuncContext, args: Vec<Value>) -> FuncResult {
    Ok(Value::String(hex(&sha1_of(str_at(&args, 0).as_bytes()))))
}

fn sha256_fn(_: &FuncContext, args: Vec<Value>) -> FuncResult {
    Ok(Value::String(hex(&sha256_of(str_at(&args, 0).as_bytes()))))
}

fn sha512_fn(_: &FuncContext, args: Vec<Value>) -> FuncResult {
    Ok(Value::String(hex(&sha512_of(str_at(&args, 0).as_bytes()))))
}

fn base64sha256(_: &FuncContext, args: Vec<Value>) -> FuncResult {
    Ok(Value::String(b64(&sha256_of(str_at(&args, 0).as_bytes()))))
}

fn base64sha512(_: &FuncContext, args: Vec<Value>) -> FuncResult {
    Ok(Value::String(b64(&sha512_of(str_at(&args, 0).as_bytes()))))
}

fn file_digest(
    ctx: &FuncContext,
    args: &[Value],
    digest: fn(&[u8]) -> Vec<u8>,
    encode: fn(&[u8]) -> String,
) -> FuncResult {
    let (_, bytes) = read_bytes(ctx, str_at(args, 0))?;
    Ok(Value::String(encode(&digest(&bytes))))
}

fn filemd5(ctx: &FuncContext, args: Vec<Value>) -> FuncResult {
    file_digest(ctx, &args, md5_of, hex)
}

fn filesha1(ctx: &FuncContext, args: Vec<Value>) -> FuncResult {
    file_digest(ctx, &args, sha1_of, hex)
}

fn filesha256(ctx: &FuncContext, args: Vec<Value>) -> FuncResult {
    file_digest(ctx, &args, sha256_of, hex)
}

fn filesha512(ctx: &FuncContext, args: Vec<Value>) -> FuncResult {
    file_digest(ctx, &args, sha512_of, hex)
}

fn filebase64sha256(ctx: &FuncContext, args: Vec<Value>) -> FuncResult {
    file_digest(ctx, &args, sha256_of, b64)
}

fn filebase64sha512(ctx: &FuncContext, args: Vec<Value>) -> FuncResult {
    file_digest(ctx, &args, sha512_of, b64)
}

fn uuid_fn(ctx: &FuncContext, _: Vec<Value>) -> FuncResult {
    if ctx.plan_time {
        return Ok(Value::Unknown(Type::String));
    }
    Ok(Value::String(uuid::Uuid::new_v4().to_string()))
}

const DEFAULT_COST: i64 = 10;

fn bcrypt_fn(ctx: &FuncContext, args: Vec<Value>) -> FuncResult {
    if args.len() > 2 {
        return Err(FuncError::new("bcrypt() takes no more than two arguments"));
    }
    let cost = if args.len() == 2 {
        int_at(&args, 1, "cost")?
    } else {
        DEFAULT_COST
    };
    // As Go's bcrypt: a cost below the minimum means the default.
    let cost = if cost < 4 { DEFAULT_COST } else { cost };
    if cost > 31 {
        return Err(FuncError::arg(
            1,
            format!("cost {cost} is outside the allowed range (4,31)"),
        ));
    }
    let password = str_at(&args, 0);
    if password.len() > 72 {
        return Err(FuncError::arg(0, "password length exceeds 72 bytes"));
    }
    if ctx.plan_time {
        return Ok(Value::Unknown(Type::String));
    }
    let parts = bcrypt::hash_with_result(password, cost as u32)
        .map_err(|e| FuncError::new(format!("error occurred generating password: {e}")))?;
    Ok(Value::String(
        parts.format_for_version(bcrypt::Version::TwoA),
    ))
}
