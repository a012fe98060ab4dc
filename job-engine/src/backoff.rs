//! Exponential backoff, the one schedule every retry here uses: reconnect
//! loops (no jitter) and a kind's retry policy (with jitter).

use std::time::Duration;

use rand::Rng;

/// Delays `base`, `2 * base`, `4 * base`, … capped at `max`; with
/// [`Backoff::jitter`], each drawn uniformly from `[d/2, d]` ("equal
/// jitter") so that a burst of failures does not come back as a burst.
#[derive(Debug, Clone)]
pub struct Backoff {
    base: Duration,
    max: Duration,
    jitter: bool,
    step: u32,
}

impl Backoff {
    pub const fn new(base: Duration, max: Duration) -> Self {
        Self {
            base,
            max,
            jitter: false,
            step: 0,
        }
    }

    pub const fn jitter(mut self) -> Self {
        self.jitter = true;
        self
    }

    /// The delay after `failures` failures in a row (1-based; 0 counts as 1).
    pub fn delay(&self, failures: u32) -> Duration {
        let exp = failures.saturating_sub(1).min(30);
        let full = self.base.saturating_mul(1 << exp).min(self.max);
        if !self.jitter {
            return full;
        }
        let half = full / 2;
        half + Duration::from_millis(rand::thread_rng().gen_range(0..=half.as_millis() as u64))
    }

    /// The delay after one more failure.
    pub fn next_delay(&mut self) -> Duration {
        self.step = self.step.saturating_add(1);
        self.delay(self.step)
    }

    /// After a success: the next delay is `base` again.
    pub fn reset(&mut self) {
        self.step = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doubles_up_to_the_cap_and_resets() {
        let mut b = Backoff::new(Duration::from_millis(200), Duration::from_secs(1));
        let ms = |b: &mut Backoff| b.next_delay().as_millis();
        assert_eq!(
            [ms(&mut b), ms(&mut b), ms(&mut b), ms(&mut b)],
            [200, 400, 800, 1000]
        );
        b.reset();
        assert_eq!(ms(&mut b), 200);
        assert_eq!(b.delay(u32::MAX), Duration::from_secs(1));
    }
}
