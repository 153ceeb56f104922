// Student's t distribution in float64: the two-sided p-value of Welch's test, as
// 2 · scipy.special.stdtr(df, −|t|), through the regularised incomplete beta function
// I_x(df/2, 1/2) with x = df / (df + t²). Relative accuracy ~1e-14, also for tiny p (down to
// ~1e-300, where float64 ends): the prefactor is computed in logs, the log-beta of a large
// argument without the cancellation of lgamma(a) − lgamma(a + b), and 1 − x is passed in
// exactly rather than recomputed (it would lose all digits when t is tiny).

const LN_SQRT_2PI = 0.9189385332046727;
// Lanczos approximation (g = 7, 9 terms): lgamma to ~1e-15 for the small arguments used here
const LANCZOS = [0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313,
  -176.61502916214059, 12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7];

/** log Γ(x) for x > 0. */
export function lgamma(x) {
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - lgamma(1 - x);
  if (x >= 10) return (x - 0.5) * Math.log(x) - x + LN_SQRT_2PI + stirling(x);
  const z = x - 1;
  let sum = LANCZOS[0];
  for (let i = 1; i < 9; i++) sum += LANCZOS[i] / (z + i);
  const t = z + 7.5;
  return LN_SQRT_2PI + (z + 0.5) * Math.log(t) - t + Math.log(sum);
}

/** The correction term of Stirling's series, lgamma(x) − ((x − ½) ln x − x + ½ ln 2π), x ≥ 10. */
function stirling(x) {
  const r = 1 / (x * x);
  // Bernoulli numbers B2k / (2k (2k − 1)), k = 1 … 8: the last term is < 1e-17 at x = 10
  return (1 / 12 + r * (-1 / 360 + r * (1 / 1260 + r * (-1 / 1680 + r * (1 / 1188 + r * (-691 / 360360
    + r * (1 / 156 + r * (-3617 / 122400)))))))) / x;
}

/** lgamma(big) − lgamma(big + small) for big ≥ 10, from Stirling's series with the large terms
 * cancelled by hand (the difference of two lgamma values of ~1e7 would keep ~9 digits). */
function lgammaRatio(big, small) {
  return -small * Math.log(big) - (big + small - 0.5) * Math.log1p(small / big) + small
    + stirling(big) - stirling(big + small);
}

/** log B(a, b) = lgamma(a) + lgamma(b) − lgamma(a + b), without cancellation when one is large. */
export function lbeta(a, b) {
  const small = Math.min(a, b);
  const big = Math.max(a, b);
  if (big < 10) return lgamma(a) + lgamma(b) - lgamma(a + b);
  return lgamma(small) + lgammaRatio(big, small);
}

const EPS = 2.220446049250313e-16;
const TINY = 1e-300;
const MAX_ITERATIONS = 100000;

/** The continued fraction of I_x(a, b) (modified Lentz), fast for x < (a + 1) / (a + b + 2). */
function betaFraction(a, b, x) {
  const qab = a + b;
  const qap = a + 1;
  const qam = a - 1;
  let c = 1;
  let d = 1 - (qab * x) / qap;
  if (Math.abs(d) < TINY) d = TINY;
  d = 1 / d;
  let h = d;
  for (let m = 1; m <= MAX_ITERATIONS; m++) {
    const m2 = 2 * m;
    let aa = (m * (b - m) * x) / ((qam + m2) * (a + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < TINY) d = TINY;
    c = 1 + aa / c;
    if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    h *= d * c;
    aa = (-(a + m) * (qab + m) * x) / ((a + m2) * (qap + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < TINY) d = TINY;
    c = 1 + aa / c;
    if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    const step = d * c;
    h *= step;
    if (Math.abs(step - 1) <= EPS) return h;
  }
  return h; // not reached for the arguments of a t-test (a, b ≤ ~1e7)
}

/**
 * The regularised incomplete beta function I_x(a, b), with y = 1 − x given exactly by the caller.
 * logX and logY (optional) are ln x and ln y when the caller knows them more precisely.
 */
export function ibeta(a, b, x, y, logX = Math.log(x), logY = Math.log(y)) {
  if (Number.isNaN(a) || Number.isNaN(b) || Number.isNaN(x) || Number.isNaN(y)) return NaN;
  if (x <= 0) return 0;
  if (y <= 0) return 1;
  if (x > (a + 1) / (a + b + 2)) return 1 - ibeta(b, a, y, x, logY, logX);
  const front = Math.exp(a * logX + b * logY - lbeta(a, b)) / a;
  return front * betaFraction(a, b, x);
}

/**
 * I_x(a, b) for a large and b ≤ 1: DiDonato and Morris's BGRAT series (ACM TOMS 708, eq. 9 to
 * 9.6, as in Boost's beta_small_b_large_a_series). The continued fraction needs O(√a)
 * steps near the distribution's centre and loses ~1e-10 there at a ~ 1e6 (1M cells).
 */
function ibetaLargeA(a, b, logX) {
  const bm1 = b - 1;
  const t = a + bm1 / 2;
  const u = -t * logX;
  const logH = b * Math.log(u) - u - lgamma(b); // ln of u^b e^−u / Γ(b)
  const prefix = Math.exp(logH - lgammaRatio(a, b) - b * Math.log(t)); // ÷ Γ(a)/Γ(a + b), ÷ t^b
  let j = upperGammaOverPrefix(b, u, logH);
  let sum = prefix * j;
  const p = [1];
  const lx2 = (logX / 2) * (logX / 2);
  const t4 = 4 * t * t;
  let lxp = 1;
  let b2n = b;
  let oddFactorial = 1; // (2n + 1)!
  for (let n = 1; n < 30; n++) {
    oddFactorial *= (2 * n) * (2 * n + 1);
    let pn = 0;
    let factorial = 6; // (2m + 1)! for m = 1, 2, …
    for (let m = 1; m < n; m++) {
      pn += ((m * b - n) * p[n - m]) / factorial;
      factorial *= (2 * m + 2) * (2 * m + 3);
    }
    p.push(pn / n + bm1 / oddFactorial);
    j = (b2n * (b2n + 1) * j + (u + b2n + 1) * lxp) / t4;
    lxp *= lx2;
    b2n += 2;
    const r = prefix * p[n] * j;
    sum += r;
    if (Math.abs(r) <= EPS * Math.abs(sum)) break;
  }
  return sum;
}

/** Q(b, u) (the regularised upper incomplete gamma function) divided by u^b e^−u / Γ(b). */
function upperGammaOverPrefix(b, u, logH) {
  if (u < 1) { // 1 − P(b, u), P from its series: P / prefix = Σ / b
    let term = 1 / b;
    let sum = term;
    for (let n = 1; n < 1000; n++) {
      term *= u / (b + n);
      sum += term;
      if (term <= sum * EPS) break;
    }
    return Math.exp(-logH) - sum;
  }
  let c = 1 / TINY; // Legendre's continued fraction (modified Lentz)
  let bb = u + 1 - b;
  let d = 1 / bb;
  let h = d;
  for (let i = 1; i < 10000; i++) {
    const an = -i * (i - b);
    bb += 2;
    d = an * d + bb;
    if (Math.abs(d) < TINY) d = TINY;
    c = bb + an / c;
    if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    const step = d * c;
    h *= step;
    if (Math.abs(step - 1) <= EPS) break;
  }
  return h;
}

/** Two-sided p-value of Student's t with df degrees of freedom: 2 · P(T ≤ −|t|). */
export function tTwoSided(df, t) {
  if (Number.isNaN(df) || Number.isNaN(t) || !(df > 0)) return NaN;
  if (t === 0) return 1;
  const t2 = t * t;
  if (t2 === Infinity) return 0;
  const x = df / (df + t2);
  const y = t2 / (df + t2);
  // ln x = −ln(1 + t²/df) to full relative precision, also when x underflows
  const logX = -Math.log1p(t2 / df);
  const logY = -Math.log1p(df / t2);
  // near the centre of a large df the continued fraction is slow and loses digits; far out
  // in the tail (x < ½) it is fast and exact, and the series would not converge
  if (df >= 30 && x >= 0.5) return ibetaLargeA(df / 2, 0.5, logX);
  return ibeta(df / 2, 0.5, x, y, logX, logY);
}
