//! CPU-bound work over many items shared out over the machine's cores (scoped threads), for
//! the places that handle a large room's state at once: serializing it to serve a join.

/// Below this many items, one thread does it all (starting threads costs more than it saves).
const AT_LEAST: usize = 256;

/// `f` of each of `items`, in order; the first error, if any. With many items and more than
/// one core, the calling thread takes the first share and one thread per other core the rest.
pub(crate) fn map_on_cores<T, R, E>(
    items: &[T],
    f: impl Fn(&T) -> Result<R, E> + Sync,
) -> Result<Vec<R>, E>
where
    T: Sync,
    R: Send,
    E: Send,
{
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    if cores < 2 || items.len() < AT_LEAST {
        return items.iter().map(&f).collect();
    }
    let f = &f;
    let mut shares = items.chunks(items.len().div_ceil(cores));
    let first = shares.next().unwrap_or_default();
    std::thread::scope(|scope| {
        let others: Vec<_> = shares
            .map(|share| scope.spawn(move || share.iter().map(f).collect::<Result<Vec<R>, E>>()))
            .collect();
        let mut out: Vec<R> = first.iter().map(f).collect::<Result<_, _>>()?;
        out.reserve(items.len() - out.len());
        for other in others {
            out.extend(other.join().expect("a thread of map_on_cores panicked")?);
        }
        Ok(out)
    })
}

#[cfg(test)]
mod tests {
    use super::map_on_cores;

    #[test]
    fn keeps_the_order_and_finds_an_error_in_any_share() {
        let items: Vec<u32> = (0..1000).collect();
        let doubled: Result<Vec<u32>, String> = map_on_cores(&items, |i| Ok(i * 2));
        assert_eq!(
            doubled.unwrap(),
            (0..1000).map(|i| i * 2).collect::<Vec<_>>()
        );
        let failed: Result<Vec<u32>, String> = map_on_cores(&items, |i| {
            if *i == 999 {
                Err(format!("{i}"))
            } else {
                Ok(*i)
            }
        });
        assert_eq!(failed.unwrap_err(), "999");
        let few: Result<Vec<u32>, String> = map_on_cores(&items[..3], |i| Ok(i + 1));
        assert_eq!(few.unwrap(), vec![1, 2, 3]);
    }
}
