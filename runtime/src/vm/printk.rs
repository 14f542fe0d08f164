//! `bpf_trace_printk` formatting, with the kernel's rules
//! (`bpf_bprintf_prepare`): at most three arguments; conversions `%d %i %u
//! %x %X %o %c %s %%`, pointers `%p %px %pK %pi4 %pI4 %pi6 %pI6`;
//! flags `-+ 0` and a width; `l`/`ll` select 64-bit arguments, otherwise
//! the argument's low 32 bits are used. A string or address argument that
//! cannot be read prints as the empty string, as in the kernel. Anything
//! else makes the helper return `-EINVAL`.

/// Reads VM memory for `%s` and `%pI4`-style conversions.
pub(crate) trait ReadMem {
    /// `len` bytes at `addr`, if readable.
    fn read(&self, addr: u64, len: u32) -> Option<Vec<u8>>;
}

/// The longest string `%s` copies.
const MAX_STR: u32 = 512;

struct Spec {
    left: bool,
    plus: bool,
    space: bool,
    zero: bool,
    width: usize,
}

fn pad(spec: &Spec, body: String, numeric: bool) -> String {
    let len = body.chars().count();
    if len >= spec.width {
        return body;
    }
    let fill = spec.width - len;
    if spec.left {
        format!("{body}{}", " ".repeat(fill))
    } else if spec.zero && numeric {
        // Zeros go after the sign.
        let (sign, digits) = match body.strip_prefix(['-', '+', ' ']) {
            Some(d) => (&body[..1], d.to_string()),
            None => ("", body.clone()),
        };
        format!("{sign}{}{digits}", "0".repeat(fill))
    } else {
        format!("{}{body}", " ".repeat(fill))
    }
}

fn read_str(mem: &dyn ReadMem, addr: u64) -> String {
    let mut out = Vec::new();
    for i in 0..MAX_STR {
        match mem.read(addr.wrapping_add(u64::from(i)), 1) {
            Some(b) if b[0] == 0 => return String::from_utf8_lossy(&out).into_owned(),
            Some(b) => out.push(b[0]),
            None => return String::new(),
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Formats `fmt` (which must contain a NUL) with `args`; `None` means
/// `-EINVAL`.
pub(crate) fn format(fmt: &[u8], args: [u64; 3], mem: &dyn ReadMem) -> Option<String> {
    let end = fmt.iter().position(|&b| b == 0)?;
    let fmt = &fmt[..end];
    let mut out = String::new();
    let mut next_arg = 0usize;
    let mut i = 0usize;
    let mut take = || -> Option<u64> {
        let a = args.get(next_arg).copied();
        next_arg += 1;
        a
    };
    while i < fmt.len() {
        let c = fmt[i];
        if c != b'%' {
            if !(c.is_ascii_graphic() || c.is_ascii_whitespace()) {
                return None;
            }
            out.push(c as char);
            i += 1;
            continue;
        }
        i += 1;
        if fmt.get(i) == Some(&b'%') {
            out.push('%');
            i += 1;
            continue;
        }
        let mut spec = Spec {
            left: false,
            plus: false,
            space: false,
            zero: false,
            width: 0,
        };
        while let Some(&f) = fmt.get(i) {
            match f {
                b'-' => spec.left = true,
                b'+' => spec.plus = true,
                b' ' => spec.space = true,
                b'0' => spec.zero = true,
                _ => break,
            }
            i += 1;
        }
        while let Some(&d) = fmt.get(i).filter(|d| d.is_ascii_digit()) {
            spec.width = (spec.width * 10 + usize::from(d - b'0')).min(256);
            i += 1;
        }
        let mut longs = 0;
        while fmt.get(i) == Some(&b'l') {
            longs += 1;
            i += 1;
        }
        if longs > 2 {
            return None;
        }
        let conv = *fmt.get(i)?;
        i += 1;
        let raw = if conv == b'%' { 0 } else { take()? };
        let wide = longs > 0;
        let unsigned = if wide { raw } else { u64::from(raw as u32) };
        let signed = if wide {
            raw as i64
        } else {
            i64::from(raw as i32)
        };
        let body = match conv {
            b'd' | b'i' => {
                let s = signed.to_string();
                if signed >= 0 && spec.plus {
                    format!("+{s}")
                } else if signed >= 0 && spec.space {
                    format!(" {s}")
                } else {
                    s
                }
            }
            b'u' => unsigned.to_string(),
            b'x' => format!("{unsigned:x}"),
            b'X' => format!("{unsigned:X}"),
            b'o' => format!("{unsigned:o}"),
            b'c' if !wide => ((raw as u8) as char).to_string(),
            b's' if !wide => read_str(mem, raw),
            b'p' if !wide => {
                let kind: Vec<u8> = fmt[i..]
                    .iter()
                    .take_while(|b| b.is_ascii_alphanumeric())
                    .take(2)
                    .copied()
                    .collect();
                match kind.as_slice() {
                    [b'i' | b'I', b'4'] | [b'i' | b'I', b'6'] => {
                        i += 2;
                        let v6 = kind[1] == b'6';
                        let lower = kind[0] == b'i';
                        match mem.read(raw, if v6 { 16 } else { 4 }) {
                            Some(bytes) => ip_text(&bytes, lower),
                            None => String::new(),
                        }
                    }
                    [b'x', ..] | [b'K', ..] => {
                        i += 1;
                        format!("{raw:016x}")
                    }
                    _ => format!("0x{raw:x}"),
                }
            }
            _ => return None,
        };
        let numeric = matches!(conv, b'd' | b'i' | b'u' | b'x' | b'X' | b'o');
        out.push_str(&pad(&spec, body, numeric));
    }
    Some(out)
}

/// `%pI4` (`1.2.3.4`), `%pi4` (`001.002.003.004`), `%pI6`
/// (`2001:0db8:...`, eight groups), `%pi6` (32 hex digits).
fn ip_text(bytes: &[u8], lower: bool) -> String {
    if bytes.len() == 4 {
        let parts: Vec<String> = bytes
            .iter()
            .map(|b| {
                if lower {
                    format!("{b:03}")
                } else {
                    b.to_string()
                }
            })
            .collect();
        return parts.join(".");
    }
    let groups: Vec<String> = bytes
        .chunks(2)
        .map(|c| format!("{:02x}{:02x}", c[0], c.get(1).copied().unwrap_or(0)))
        .collect();
    if lower {
        groups.concat()
    } else {
        groups.join(":")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Bytes(Vec<u8>);

    impl ReadMem for Bytes {
        fn read(&self, addr: u64, len: u32) -> Option<Vec<u8>> {
            let start = usize::try_from(addr).ok()?;
            self.0.get(start..start + len as usize).map(<[u8]>::to_vec)
        }
    }

    fn f(fmt: &str, args: [u64; 3]) -> Option<String> {
        let mut bytes = fmt.as_bytes().to_vec();
        bytes.push(0);
        format(&bytes, args, &Bytes(b"hi\0\x0a\x00\x00\x01".to_vec()))
    }

    #[test]
    fn integers_follow_the_kernel_widths() {
        assert_eq!(
            f("%d %u", [u64::MAX, u64::MAX, 0]).unwrap(),
            "-1 4294967295"
        );
        assert_eq!(f("%lld %llx", [u64::MAX, 255, 0]).unwrap(), "-1 ff");
        assert_eq!(
            f("[%5d|%-4x|%05d]", [42, 10, -3i64 as u64]).unwrap(),
            "[   42|a   |-0003]"
        );
        assert_eq!(f("100%%", [0; 3]).unwrap(), "100%");
    }

    #[test]
    fn strings_and_addresses_are_read_from_memory() {
        assert_eq!(f("%s!", [0, 0, 0]).unwrap(), "hi!");
        assert_eq!(f("%pI4", [3, 0, 0]).unwrap(), "10.0.0.1");
        assert_eq!(f("%s", [100, 0, 0]).unwrap(), "", "unreadable string");
    }

    #[test]
    fn bad_formats_are_rejected() {
        assert_eq!(f("%d %d %d %d", [0; 3]), None, "four arguments");
        assert_eq!(f("%q", [0; 3]), None);
        assert_eq!(format(b"no nul", [0; 3], &Bytes(vec![])), None);
    }
}
