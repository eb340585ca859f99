//! A replay buffer of terminal states, replayed through the backward process. Oldest states
//! leave first; draws are rank-prioritised by score: P(rank i) ∝ 1/(k·N + i), i = 0 the best.

use rand::Rng as _;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::math::Points;
use crate::math::rng::{Rng, categorical};

/// A replay buffer's contents as a checkpoint stores them.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ReplayBufferRecord {
    pub dim: usize,
    pub states: Vec<f32>,
    pub log_r: Vec<f64>,
    pub score: Vec<f64>,
    pub cursor: usize,
}

impl ReplayBufferRecord {
    /// Reads a record as a checkpoint's `buffer.json` stores it; `what` names the file in
    /// errors. [`ReplayBuffer::restore`] checks it against the experiment's buffer.
    pub fn from_json(bytes: &[u8], what: &str) -> Result<Self> {
        serde_json::from_slice(bytes).map_err(|e| Error::bad_file(what, e.to_string()))
    }
}

#[derive(Clone, Debug)]
pub struct ReplayBuffer {
    capacity: usize,
    rank_weight: f64,
    states: Points,
    /// log r of each state (β-free, so a changing β does not invalidate the buffer).
    log_r: Vec<f64>,
    /// What the ranking uses: the posterior log density up to a constant where tractable.
    score: Vec<f64>,
    /// Next slot to overwrite once full.
    cursor: usize,
}

impl ReplayBuffer {
    pub fn new(dim: usize, capacity: usize, rank_weight: f64) -> Self {
        Self {
            capacity,
            rank_weight,
            states: Points::with_capacity(0, dim),
            log_r: Vec::new(),
            score: Vec::new(),
            cursor: 0,
        }
    }

    pub fn len(&self) -> usize {
        self.log_r.len()
    }

    pub fn is_empty(&self) -> bool {
        self.log_r.is_empty()
    }

    pub fn states(&self) -> &Points {
        &self.states
    }

    /// Adds states with their log r and score, skipping non-finite ones.
    pub fn add(&mut self, states: &Points, log_r: &[f64], score: &[f64]) {
        for ((row, &lr), &s) in states.rows().zip(log_r).zip(score) {
            if !(lr.is_finite() && s.is_finite() && row.iter().all(|v| v.is_finite())) {
                continue;
            }
            if self.len() < self.capacity {
                self.states.push(row);
                self.log_r.push(lr);
                self.score.push(s);
            } else {
                self.states.row_mut(self.cursor).copy_from_slice(row);
                self.log_r[self.cursor] = lr;
                self.score[self.cursor] = s;
                self.cursor = (self.cursor + 1) % self.capacity;
            }
        }
    }

    pub fn to_record(&self) -> ReplayBufferRecord {
        ReplayBufferRecord {
            dim: self.states.dim(),
            states: self.states.as_slice().to_vec(),
            log_r: self.log_r.clone(),
            score: self.score.clone(),
            cursor: self.cursor,
        }
    }

    /// Refills the buffer from a record; `what` names the record in errors.
    pub fn restore(&mut self, record: ReplayBufferRecord, what: &str) -> Result<()> {
        let rows = record.log_r.len();
        let consistent = record.dim == self.states.dim()
            && record.states.len() == rows * record.dim
            && record.score.len() == rows
            && rows <= self.capacity
            && (record.cursor < self.capacity.max(1));
        if !consistent {
            return Err(Error::bad_file(
                what,
                format!(
                    "a replay buffer of {rows} states in {} dimensions does not fit this \
                     experiment's buffer ({} dimensions, capacity {})",
                    record.dim,
                    self.states.dim(),
                    self.capacity
                ),
            ));
        }
        // JSON holds no NaN, but a number beyond f32 (1e39) reads as ±inf; `add` never stores
        // a non-finite state, and one would poison every replayed batch.
        let finite = record.states.iter().all(|v| v.is_finite())
            && record
                .log_r
                .iter()
                .chain(&record.score)
                .all(|v| v.is_finite());
        if !finite {
            return Err(Error::bad_file(
                what,
                "a replay buffer holds a state, log r or score that is not a finite number",
            ));
        }
        self.states = Points::new(record.dim, record.states)?;
        self.log_r = record.log_r;
        self.score = record.score;
        self.cursor = record.cursor;
        Ok(())
    }

    /// Draws `n` states (with replacement) by rank priority; returns them with their log r.
    pub fn sample(&self, n: usize, rng: &mut Rng) -> (Points, Vec<f64>) {
        let count = self.len();
        let mut order: Vec<usize> = (0..count).collect();
        order.sort_unstable_by(|&a, &b| self.score[b].total_cmp(&self.score[a]));
        let offset = self.rank_weight * count as f64;
        let weights: Vec<f64> = (0..count)
            .map(|i| 1.0 / (offset + i as f64 + 1.0))
            .collect();
        let picks: Vec<usize> = categorical(rng, &weights, n)
            .into_iter()
            .map(|rank| order[rank])
            .collect();
        let log_r = picks.iter().map(|&i| self.log_r[i]).collect();
        (self.states.select(&picks), log_r)
    }
}

/// How far below the median log π (in interquartile ranges) a chain's end counts as stuck.
const STUCK_IQRS: f64 = 10.0;

/// States known to matter, replayed beside the buffer's and never evicted: a share of every
/// replay batch is drawn from them uniformly. Training from them is off-policy like any
/// replay; they only add the regions on-policy trajectories and local search do not reach.
#[derive(Clone, Debug)]
pub struct KnownStates {
    states: Points,
}

impl KnownStates {
    /// `what` names the states' source in errors (a file).
    pub fn new(states: Points, dim: usize, what: &str) -> Result<Self> {
        if states.dim() != dim {
            return Err(Error::bad_file(
                what,
                format!(
                    "known states have {} columns, the experiment has d = {dim}",
                    states.dim()
                ),
            ));
        }
        if states.is_empty() || !states.all_finite() {
            return Err(Error::bad_file(
                what,
                "known states must be at least one row of finite numbers",
            ));
        }
        Ok(Self { states })
    }

    pub fn len(&self) -> usize {
        self.states.len()
    }

    pub fn is_empty(&self) -> bool {
        self.states.is_empty()
    }

    /// The finite rows of `states` whose log π is not far below the rest: more than
    /// `STUCK_IQRS` interquartile ranges below the median marks a chain that never left a
    /// bad start (on the funnel, HMC chains started in the neck with the reference's spread
    /// end at log π near −10⁶ where exact samples stay above −80). Such a state covers nothing
    /// and, replayed, its log-weight would swamp the batch's loss.
    pub fn without_stuck_chains(states: &Points, log_pi: &[f64]) -> Points {
        let mut sorted: Vec<f64> = log_pi.iter().copied().filter(|v| v.is_finite()).collect();
        sorted.sort_unstable_by(f64::total_cmp);
        let at = |q: f64| sorted[((sorted.len() - 1) as f64 * q).round() as usize];
        let floor = if sorted.is_empty() {
            f64::INFINITY
        } else {
            at(0.5) - STUCK_IQRS * (at(0.75) - at(0.25))
        };
        Points::from_rows(
            states.dim(),
            states.rows().zip(log_pi).filter_map(|(row, &lp)| {
                (lp >= floor && row.iter().all(|v| v.is_finite())).then_some(row)
            }),
        )
    }

    /// Adds finite states of the same width.
    pub fn extend(&mut self, states: &Points) {
        self.states.extend(states);
    }

    /// How many of a replay batch of `batch` come from the known states at `share`.
    pub fn count_in(batch: usize, share: f64) -> usize {
        ((batch as f64 * share).round() as usize).min(batch)
    }

    /// `n` known states drawn uniformly with replacement.
    pub fn draw(&self, n: usize, rng: &mut Rng) -> Points {
        let picks: Vec<usize> = (0..n)
            .map(|_| rng.random_range(0..self.states.len()))
            .collect();
        self.states.select(&picks)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::math::rng::seeded;

    #[test]
    fn oldest_states_leave_first_and_best_are_drawn_most() {
        let mut buffer = ReplayBuffer::new(1, 3, 0.0);
        let pts = Points::new(1, vec![0.0, 1.0, 2.0, 3.0]).unwrap();
        buffer.add(&pts, &[0.0, 1.0, 2.0, 3.0], &[0.0, 1.0, 2.0, 3.0]);
        assert_eq!(buffer.len(), 3);
        assert!(buffer.states().as_slice().contains(&3.0));
        assert!(!buffer.states().as_slice().contains(&0.0));
        let (drawn, _) = buffer.sample(3000, &mut seeded(0));
        let best = drawn.as_slice().iter().filter(|&&v| v == 3.0).count();
        let worst = drawn.as_slice().iter().filter(|&&v| v == 1.0).count();
        assert!(best > 2 * worst, "{best} vs {worst}");
    }

    /// Found by the reader fuzzer (tests/fuzz_readers.rs): a state of 1e39 in `buffer.json`
    /// was restored as inf.
    #[test]
    fn a_record_with_a_state_beyond_f32_is_refused() {
        let mut buffer = ReplayBuffer::new(2, 10, 0.01);
        buffer.add(
            &Points::new(2, vec![0.5, 1.0, -2.0, 3.0]).unwrap(),
            &[0.0, -1.0],
            &[0.0, -1.0],
        );
        let mut json = serde_json::to_string(&buffer.to_record()).unwrap();
        let back = ReplayBufferRecord::from_json(json.as_bytes(), "buffer.json").unwrap();
        let mut restored = ReplayBuffer::new(2, 10, 0.01);
        restored.restore(back, "buffer.json").unwrap();
        assert_eq!(restored.states(), buffer.states());
        json = json.replacen("3.0", "1e39", 1);
        let big = ReplayBufferRecord::from_json(json.as_bytes(), "buffer.json").unwrap();
        let err = restored
            .restore(big, "buffer.json")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("buffer.json") && err.contains("finite"),
            "{err}"
        );
    }

    #[test]
    fn non_finite_states_are_not_stored() {
        let mut buffer = ReplayBuffer::new(1, 10, 0.01);
        let pts = Points::new(1, vec![f32::NAN, 1.0]).unwrap();
        buffer.add(&pts, &[0.0, f64::NEG_INFINITY], &[0.0, 0.0]);
        assert!(buffer.is_empty());
    }
}

#[cfg(test)]
mod known_state_tests {
    use super::*;
    use crate::math::rng::seeded;

    #[test]
    fn known_states_fill_their_share_uniformly_and_refuse_a_wrong_width() {
        let states = Points::new(1, vec![0.0, 1.0, 2.0, 3.0]).unwrap();
        let known = KnownStates::new(states.clone(), 1, "k.csv").unwrap();
        assert_eq!(KnownStates::count_in(300, 0.25), 75);
        let drawn = known.draw(40_000, &mut seeded(3));
        let mut counts = [0usize; 4];
        for row in drawn.rows() {
            counts[row[0] as usize] += 1;
        }
        for c in counts {
            assert!((c as f64 / 40_000.0 - 0.25).abs() < 0.01, "{counts:?}");
        }
        let e = KnownStates::new(states.clone(), 2, "k.csv")
            .unwrap_err()
            .to_string();
        assert!(e.contains("k.csv") && e.contains("d = 2"), "{e}");
    }

    #[test]
    fn stuck_chains_are_dropped_and_the_rest_kept() {
        let states = Points::from_rows(1, (0..105).map(|i| [i as f32]));
        let mut log_pi: Vec<f64> = (0..100).map(|i| -(i as f64) / 10.0).collect();
        log_pi.extend([-1e4, -1e6, f64::NAN, -500.0, -60.0]);
        let kept = KnownStates::without_stuck_chains(&states, &log_pi);
        // Median −5, IQR 5: the floor is −55.
        assert_eq!(kept.len(), 100);
        assert!(kept.rows().all(|row| row[0] < 100.0));
    }
}
