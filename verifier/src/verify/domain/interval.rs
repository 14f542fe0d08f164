//! Closed intervals over one integer type.
//!
//! Invariant: `min <= max`. Constructors that could break it return
//! `Option` (`None` is the empty interval, ⊥).

use super::Lattice;
use std::fmt;

/// The integer types an interval ranges over.
pub trait Bound: Copy + Ord + fmt::Debug {
    const MIN: Self;
    const MAX: Self;
}

macro_rules! bound {
    ($($t:ty),*) => {$(
        impl Bound for $t {
            const MIN: Self = <$t>::MIN;
            const MAX: Self = <$t>::MAX;
        }
    )*};
}
bound!(u64, i64, u32, i32);

/// `[min, max]`.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Interval<T> {
    pub min: T,
    pub max: T,
}

impl<T: Bound> Interval<T> {
    /// Every value of `T`.
    pub const fn full() -> Self {
        Interval {
            min: T::MIN,
            max: T::MAX,
        }
    }

    /// `[min, max]`, or `None` if empty.
    pub fn new(min: T, max: T) -> Option<Self> {
        (min <= max).then_some(Interval { min, max })
    }

    /// Exactly `v`.
    pub const fn constant(v: T) -> Self {
        Interval { min: v, max: v }
    }

    pub fn is_const(&self) -> bool {
        self.min == self.max
    }

    pub fn is_full(&self) -> bool {
        self.min == T::MIN && self.max == T::MAX
    }

    pub fn contains(&self, v: T) -> bool {
        self.min <= v && v <= self.max
    }

    /// Intersection with `[min, max]` (which may itself be empty).
    pub fn clamp(&self, min: T, max: T) -> Option<Self> {
        Interval::new(self.min.max(min), self.max.min(max))
    }
}

impl<T: Bound> Lattice for Interval<T> {
    fn top() -> Self {
        Interval::full()
    }
    fn join(&self, other: &Self) -> Self {
        Interval {
            min: self.min.min(other.min),
            max: self.max.max(other.max),
        }
    }
    fn meet(&self, other: &Self) -> Option<Self> {
        self.clamp(other.min, other.max)
    }
    /// Classic interval widening: a bound that moved jumps to the extreme.
    fn widen(&self, other: &Self) -> Self {
        Interval {
            min: if other.min < self.min {
                T::MIN
            } else {
                self.min
            },
            max: if other.max > self.max {
                T::MAX
            } else {
                self.max
            },
        }
    }
    fn le(&self, other: &Self) -> bool {
        other.min <= self.min && self.max <= other.max
    }
}

impl<T: fmt::Debug> fmt::Debug for Interval<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "[{:?}, {:?}]", self.min, self.max)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lattice_laws() {
        let a = Interval::<i64>::new(-3, 5).unwrap();
        let b = Interval::<i64>::new(2, 9).unwrap();
        assert_eq!(a.join(&b), Interval::new(-3, 9).unwrap());
        assert_eq!(a.meet(&b), Interval::new(2, 5));
        assert_eq!(a.meet(&Interval::constant(10)), None);
        assert!(a.le(&a.join(&b)));
        assert_eq!(a.widen(&b), Interval::new(-3, i64::MAX).unwrap());
        assert!(Interval::<u32>::full().is_full());
    }
}
