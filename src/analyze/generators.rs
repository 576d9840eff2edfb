//! Generators: a [`GeneratorSpec`] as written becomes a typed [`Generator`], or a problem.

use rand_distr::{Exp, LogNormal, Normal, Poisson};

use super::{Analyzer, list};
use crate::error::Diagnostic;
use crate::generate::locale::{locales_providing, provides};
use crate::plan::{
    BooleanGenerator, Choice, Dist, Domain, Fake, FakeKind, FakeLocale, Generator, LOCALES, Locale,
    Mixture, Modelled, Number, NumberGenerator, NumberKind, NumberType, Param, ParamExpr, Pattern,
    PickId, PickSource, SequencePattern, TextGenerator, ValueType,
};
use crate::scenario::{
    ChoiceSpec, ColumnSpec, CountSpec, GeneratorSpec, KindSpec, NumberSpec, PickSpec, Scalar,
    TimeUnit,
};
use crate::time::{parse_datetime, parse_datetime_end};
use datafusion::arrow::datatypes::DataType;

impl Analyzer<'_> {
    /// Compiles a generator; `in_mixture` allows `weight`.
    pub(super) fn generator(
        &mut self,
        g: &GeneratorSpec,
        path: &str,
        in_mixture: bool,
    ) -> Option<Generator> {
        let kind = match g.kinds().as_slice() {
            [kind] => *kind,
            [] => {
                return self.fail(
                    path,
                    format!("a generator needs one of {}", list(KindSpec::names())),
                );
            }
            many => {
                let names: Vec<&str> = many.iter().map(KindSpec::name).collect();
                return self.fail(
                    path,
                    format!("a generator has exactly one kind, found {}", list(&names)),
                );
            }
        };
        self.check_modifier_keys(g, kind, path, in_mixture);
        let generator = self.kind(g, kind, path, in_mixture)?;
        self.modifiers(g, path, generator)
    }

    /// Reports `weight`, `start` and `weights` where the kind does not use them.
    fn check_modifier_keys(
        &mut self,
        g: &GeneratorSpec,
        kind: KindSpec,
        path: &str,
        in_mixture: bool,
    ) {
        if g.weight.is_some() && !in_mixture {
            self.problem(Diagnostic::at(
                format!("{path}.weight"),
                "`weight` is only used by the arms of a `mixture`",
            ));
        }
        if g.start.is_some() && !matches!(kind, KindSpec::Sequence(_)) {
            self.problem(Diagnostic::at(
                format!("{path}.start"),
                "`start` is only used by `sequence`",
            ));
        }
        if g.hours.is_some() && !matches!(kind, KindSpec::Datetime(_)) {
            self.problem(Diagnostic::at(
                format!("{path}.hours"),
                "`hours` is only used by `datetime`",
            ));
        }
        if g.unique == Some(true) && !matches!(kind, KindSpec::Pattern(_) | KindSpec::Sequence(_)) {
            self.problem(Diagnostic::at(
                format!("{path}.unique"),
                "`unique` is only used by `pattern` and `sequence`",
            ));
        }
        let fake_keys = [
            ("locale", g.locale.is_some()),
            ("locale_from", g.locale_from.is_some()),
            ("words", g.words.is_some()),
            ("sentences", g.sentences.is_some()),
            ("within", g.within.is_some()),
        ];
        for (key, given) in fake_keys {
            if given && !matches!(kind, KindSpec::Fake(_)) {
                self.problem(Diagnostic::at(
                    format!("{path}.{key}"),
                    format!("`{key}` is only used by `fake`"),
                ));
            }
        }
        if g.weights.is_some() && !matches!(kind, KindSpec::Choice(_)) {
            self.problem(Diagnostic::at(
                format!("{path}.weights"),
                "`weights` is only used by `choice`",
            ));
        }
    }

    /// The generator of one kind, before modifiers: one `match` arm per kind (the compiler
    /// points here when a kind is added), each family compiled by its own function.
    fn kind(
        &mut self,
        g: &GeneratorSpec,
        kind: KindSpec,
        path: &str,
        in_mixture: bool,
    ) -> Option<Generator> {
        let at = |key: &str| format!("{path}.{key}");
        match kind {
            KindSpec::Sequence(pattern) => {
                if g.unique == Some(true) {
                    // Row numbers differ, and the start is checked to fit with the rows.
                    self.unique_rows(path, in_mixture)?;
                }
                match sequence(pattern, g.start.unwrap_or(1)) {
                    Ok(generator) => Some(generator),
                    Err(message) => self.fail(at("sequence"), message),
                }
            }
            KindSpec::Fake(name) => self.fake(name, g, path),
            KindSpec::Pattern(text) => self.pattern(text, g, path, in_mixture),
            KindSpec::Choice(choice) => self.choice(choice, g.weights.as_deref(), &at("choice")),
            KindSpec::Uniform([lo, hi]) => self.uniform(lo, hi, &at("uniform")),
            KindSpec::UniformInt([lo, hi]) => self.uniform_int(lo, hi, &at("uniform_int")),
            KindSpec::Normal(n) => self.normal(&n.mean, &n.std, &at("normal")),
            KindSpec::LogNormal(n) => self.log_normal(&n.mu, &n.sigma, &at("log_normal")),
            KindSpec::Exponential(rate) => self.exponential(rate, &at("exponential")),
            KindSpec::Poisson(mean) => self.poisson(mean, &at("poisson")),
            KindSpec::Bernoulli(p) => self.bernoulli(p, &at("bernoulli")),
            KindSpec::Datetime([a, b]) => self.datetime(a, b, g.hours.as_ref(), path),
            KindSpec::Window(_) => self.fail(
                at("window"),
                "`window` makes two columns, so it can only be a column's generator, not nested",
            ),
            KindSpec::Pick(reference) => self.pick(reference, &at("pick")),
            KindSpec::Mixture(arms) => self.mixture(arms, &at("mixture")),
            KindSpec::Constant(value) => Some(constant(value)),
        }
    }

    /// `fake: kind` in the generator's, the table's or the scenario's locale, or per row in the
    /// locale `locale_from` names; `latitude` and `longitude` are numbers.
    fn fake(&mut self, name: &str, g: &GeneratorSpec, path: &str) -> Option<Generator> {
        let at = |key: &str| format!("{path}.{key}");
        if let Some(coordinate) = self.coordinate(name, g, path) {
            return coordinate;
        }
        if g.within.is_some() {
            self.problem(Diagnostic::at(
                at("within"),
                "`within` is only used by `fake: latitude` and `fake: longitude`",
            ));
        }
        let kind = match name.parse::<FakeKind>() {
            Ok(kind) => kind,
            Err(_) => {
                let mut known = FakeKind::names().to_vec();
                known.extend(["latitude", "longitude"]);
                self.problem(
                    Diagnostic::at(at("fake"), format!("unknown fake kind `{name}`"))
                        .suggest(name, known.iter().copied())
                        .note(format!("known kinds: {}", known.join(", "))),
                );
                return None;
            }
        };
        let range = self.text_length(kind, g, path)?;
        let locale = match (&g.locale, &g.locale_from) {
            (Some(_), Some(_)) => {
                return self.fail(
                    path,
                    "give `locale` (one locale) or `locale_from` (a locale per row), not both",
                );
            }
            (_, Some(sql)) => FakeLocale::Row(self.locale_param(sql, kind, &at("locale_from"))?),
            (Some(name), None) => FakeLocale::Fixed(self.known_locale(name, &at("locale"))?),
            (None, None) => FakeLocale::Fixed(self.scope.locale.unwrap_or(self.locale)),
        };
        if let FakeLocale::Fixed(locale) = locale
            && !provides(kind, locale)
        {
            let key = match g.locale.is_some() {
                true => at("locale"),
                false => at("fake"),
            };
            return self.fail(
                key,
                format!(
                    "the locale {} has no `{name}`; the locales that have it: {}",
                    locale.name(),
                    locales_providing(kind).join(", ")
                ),
            );
        }
        Some(Generator::Text(TextGenerator::Fake(Fake {
            kind,
            locale,
            range,
        })))
    }

    /// `fake: latitude` / `longitude` (uniform in `within`, or over the whole globe); None for
    /// the other kinds.
    fn coordinate(
        &mut self,
        name: &str,
        g: &GeneratorSpec,
        path: &str,
    ) -> Option<Option<Generator>> {
        let limit = match name {
            "latitude" => 90.0,
            "longitude" => 180.0,
            _ => return None,
        };
        for (key, given) in [
            ("locale", g.locale.is_some()),
            ("locale_from", g.locale_from.is_some()),
        ] {
            if given {
                self.problem(Diagnostic::at(
                    format!("{path}.{key}"),
                    format!("`{name}` is a number, the same in every locale: remove `{key}`"),
                ));
            }
        }
        let [low, high] = g.within.unwrap_or([-limit, limit]);
        if !(low <= high && low >= -limit && high <= limit) {
            return Some(self.fail(
                format!("{path}.within"),
                format!(
                    "a {name} range is [low, high] within [{}, {limit}], found [{low}, {high}]",
                    -limit
                ),
            ));
        }
        Some(number(NumberKind::Uniform(low, high), NumberType::Float))
    }

    /// A sentence's `words` or a paragraph's `sentences` (from, to), checked.
    fn text_length(
        &mut self,
        kind: FakeKind,
        g: &GeneratorSpec,
        path: &str,
    ) -> Option<(usize, usize)> {
        let (key, given, default) = match kind {
            FakeKind::Sentence => ("words", g.words, (4, 10)),
            FakeKind::Paragraph => ("sentences", g.sentences, (3, 6)),
            _ => ("", None, (0, 0)),
        };
        for (other, value) in [("words", g.words), ("sentences", g.sentences)] {
            if value.is_some() && other != key {
                let user = match other {
                    "words" => "sentence",
                    _ => "paragraph",
                };
                self.problem(Diagnostic::at(
                    format!("{path}.{other}"),
                    format!("`{other}` is only used by `fake: {user}`"),
                ));
            }
        }
        let Some(CountSpec(from, to)) = given else {
            return Some(default);
        };
        if from == 0 || from > to || to > 10_000 {
            let found = match from == to {
                true => from.to_string(),
                false => format!("[{from}, {to}]"),
            };
            return self.fail(
                format!("{path}.{key}"),
                format!("`{key}` is a count from 1 to 10000, or a range [from, to] of them with from ≤ to; found {found}"),
            );
        }
        Some((from as usize, to as usize))
    }

    /// A locale named in a scenario, or a problem at `path`.
    pub(super) fn known_locale(&mut self, name: &str, path: &str) -> Option<Locale> {
        match Locale::parse(name) {
            Some(locale) => Some(locale),
            None => {
                self.problem(
                    Diagnostic::at(
                        path,
                        format!("unknown locale `{name}`: expected one of {}", list(LOCALES)),
                    )
                    .suggest(name, LOCALES.iter().copied()),
                );
                None
            }
        }
    }

    /// `locale_from`: SQL giving each row's locale name, kept as a text parameter of the column.
    fn locale_param(&mut self, sql: &str, kind: FakeKind, path: &str) -> Option<usize> {
        let text = |t: &DataType| {
            matches!(
                t,
                DataType::Utf8
                    | DataType::LargeUtf8
                    | DataType::Utf8View
                    | DataType::Dictionary(..)
            )
        };
        self.sql_param(
            sql,
            path,
            ("`locale_from`", "text (a locale name)", text),
            Domain::LocaleFor(kind),
        )
    }

    /// `pattern: "INV-####"`, with `unique` checked against the table's rows.
    fn pattern(
        &mut self,
        text: &str,
        g: &GeneratorSpec,
        path: &str,
        in_mixture: bool,
    ) -> Option<Generator> {
        let mut pattern = match Pattern::parse(text) {
            Ok(pattern) => pattern,
            Err(message) => return self.fail(format!("{path}.pattern"), message),
        };
        if g.unique == Some(true) {
            let rows = self.unique_rows(path, in_mixture)?;
            let capacity = pattern.capacity();
            let scaled = match self.overrides.scale {
                Some(scale) if scale != 1.0 => format!(" (with --scale {scale})"),
                _ => String::new(),
            };
            if capacity < rows as u128 {
                return self.fail(
                    format!("{path}.unique"),
                    format!(
                        "the pattern `{text}` makes {capacity} distinct values, fewer than the table's {rows} rows{scaled}, so they cannot all differ: add `#` or `?`"
                    ),
                );
            }
            let mut stream = crate::generate::rng::stream(
                self.seed(),
                &self.scope.name,
                &format!("unique:{path}"),
                0,
            );
            pattern.unique = Some(rand::RngExt::random(&mut stream));
        }
        Some(Generator::Text(TextGenerator::Pattern(pattern)))
    }

    /// The rows a `unique` generator must tell apart: those of the generated table it is the
    /// column's own generator of; elsewhere a problem.
    fn unique_rows(&mut self, path: &str, in_mixture: bool) -> Option<u64> {
        let at = format!("{path}.unique");
        if in_mixture {
            return self.fail(
                at,
                "`unique` applies to a column's own generator, not an arm of a `mixture`",
            );
        }
        match self.scope.rows {
            Some(rows) => Some(rows),
            None => self.fail(at, "`unique` applies to the columns of a generated table with `rows` (not an interaction table's)"),
        }
    }

    /// `uniform: [lo, hi]`: floats.
    fn uniform(&mut self, lo: &NumberSpec, hi: &NumberSpec, path: &str) -> Option<Generator> {
        let (Some(low), Some(high)) = (lo.fixed(), hi.fixed()) else {
            return self.modelled(Dist::Uniform, [lo, hi], NumberType::Float, path);
        };
        let finite = low <= high && low.is_finite() && high.is_finite();
        self.range_ok(finite, path, &format!("[{low}, {high}]"))?;
        number(NumberKind::Uniform(low, high), NumberType::Float)
    }

    /// `uniform_int: [lo, hi]`: whole numbers, both ends included, exact in 64 bits.
    fn uniform_int(&mut self, lo: &NumberSpec, hi: &NumberSpec, path: &str) -> Option<Generator> {
        match (lo.whole(), hi.whole()) {
            (Some(low), Some(high)) => {
                self.range_ok(low <= high, path, &format!("[{low}, {high}]"))?;
                number(NumberKind::UniformInt(low, high), NumberType::Int)
            }
            _ if lo.fixed().is_some() && hi.fixed().is_some() => self.fail(
                path,
                format!("`uniform_int` takes whole numbers, found [{lo}, {hi}]"),
            ),
            _ => self.modelled(Dist::UniformInt, [lo, hi], NumberType::Int, path),
        }
    }

    /// `normal: { mean, std }`.
    fn normal(&mut self, mean: &NumberSpec, std: &NumberSpec, path: &str) -> Option<Generator> {
        let (Some(m), Some(s)) = (mean.fixed(), std.fixed()) else {
            return self.modelled(Dist::Normal, [mean, std], NumberType::Float, path);
        };
        match Normal::new(m, s) {
            Ok(d) if s > 0.0 => number(NumberKind::Normal(d), NumberType::Float),
            _ => self.fail(
                format!("{path}.std"),
                format!("`std` must be a positive number, found {s}"),
            ),
        }
    }

    /// `log_normal: { mu, sigma }`.
    fn log_normal(&mut self, mu: &NumberSpec, sigma: &NumberSpec, path: &str) -> Option<Generator> {
        let (Some(m), Some(s)) = (mu.fixed(), sigma.fixed()) else {
            return self.modelled(Dist::LogNormal, [mu, sigma], NumberType::Float, path);
        };
        match LogNormal::new(m, s) {
            Ok(d) if s > 0.0 => number(NumberKind::LogNormal(d), NumberType::Float),
            _ => self.fail(
                format!("{path}.sigma"),
                format!("`sigma` must be a positive number, found {s}"),
            ),
        }
    }

    /// `exponential: rate`.
    fn exponential(&mut self, rate: &NumberSpec, path: &str) -> Option<Generator> {
        let Some(r) = rate.fixed() else {
            let unused = NumberSpec::Number(0.0);
            return self.modelled(Dist::Exponential, [rate, &unused], NumberType::Float, path);
        };
        match Exp::new(r) {
            Ok(d) if r > 0.0 => number(NumberKind::Exponential(d), NumberType::Float),
            _ => self.fail(path, "the rate must be a positive number"),
        }
    }

    /// `poisson: mean`: whole numbers.
    fn poisson(&mut self, mean: &NumberSpec, path: &str) -> Option<Generator> {
        let Some(m) = mean.fixed() else {
            let unused = NumberSpec::Number(0.0);
            return self.modelled(Dist::Poisson, [mean, &unused], NumberType::Int, path);
        };
        match Poisson::new(m) {
            Ok(d) => number(NumberKind::Poisson(d), NumberType::Int),
            Err(_) => self.fail(path, "the mean must be a positive number"),
        }
    }

    /// `bernoulli: p`: booleans, `true` with probability `p` (a number or SQL).
    fn bernoulli(&mut self, p: &NumberSpec, path: &str) -> Option<Generator> {
        match p.fixed() {
            Some(p) if (0.0..=1.0).contains(&p) => {
                Some(Generator::Boolean(BooleanGenerator::Bernoulli(p)))
            }
            Some(p) => self.fail(path, format!("a probability must be in [0, 1], found {p}")),
            None => match self.param(p, Domain::Probability, path)? {
                Param::Row(i) => Some(Generator::Boolean(BooleanGenerator::BernoulliRow(i))),
                Param::Fixed(p) => Some(Generator::Boolean(BooleanGenerator::Bernoulli(p))),
            },
        }
    }

    /// `datetime: [from, to]`, with `hours` weights when given.
    fn datetime(
        &mut self,
        a: &str,
        b: &str,
        hours: Option<&indexmap::IndexMap<String, f64>>,
        path: &str,
    ) -> Option<Generator> {
        let at = format!("{path}.datetime");
        let (Some(lo), Some(hi)) = (parse_datetime(a), parse_datetime_end(b)) else {
            return self.fail(at, format!("expected two dates `YYYY-MM-DD` or date-times `YYYY-MM-DD HH:MM[:SS]`, found [{a}, {b}]"));
        };
        self.range_ok(lo <= hi, &at, &format!("[{a}, {b}]"))?;
        let Some(hours) = hours else {
            return number(NumberKind::DateTime(lo, hi), NumberType::DateTime);
        };
        if [a, b].iter().any(|d| d.trim().contains([' ', 'T'])) {
            return self.fail(at, format!("with `hours`, the range is whole days: give dates `YYYY-MM-DD`, found [{a}, {b}]"));
        }
        let cumulative = self.hour_weights(hours, &format!("{path}.hours"))?;
        let kind = NumberKind::DateTimeByHour {
            first_day: lo.div_euclid(86_400),
            days: (hi - lo + 1) / 86_400,
            cumulative,
        };
        number(kind, NumberType::DateTime)
    }

    /// A distribution with SQL parameters: each becomes a parameter column of this column.
    fn modelled(
        &mut self,
        dist: Dist,
        [a, b]: [&NumberSpec; 2],
        ty: NumberType,
        path: &str,
    ) -> Option<Generator> {
        let (key_a, key_b, domain_b) = match dist {
            Dist::Uniform | Dist::UniformInt => ("[0]", "[1]", Domain::Finite),
            Dist::Normal => (".mean", ".std", Domain::Positive),
            Dist::LogNormal => (".mu", ".sigma", Domain::Positive),
            Dist::Exponential | Dist::Poisson => ("", "", Domain::Finite),
        };
        let domain_a = match dist {
            Dist::Exponential => Domain::Positive,
            Dist::Poisson => Domain::NonNegative,
            _ => Domain::Finite,
        };
        let a = self.param(a, domain_a, &format!("{path}{key_a}"));
        let b = self.param(b, domain_b, &format!("{path}{key_b}"));
        let kind = NumberKind::Modelled(Modelled { dist, a: a?, b: b? });
        Some(Generator::Number(NumberGenerator::plain(kind, ty)))
    }

    /// A parameter: a number, checked against its domain, or SQL over the columns available
    /// here, planned and kept as a parameter column of the column being compiled.
    fn param(&mut self, spec: &NumberSpec, domain: Domain, path: &str) -> Option<Param> {
        let sql = match (spec, spec.fixed()) {
            (_, Some(x)) if domain.holds(x) => return Some(Param::Fixed(x)),
            (_, Some(x)) => {
                return self.fail(path, format!("expected {}, found {x}", domain.describe()));
            }
            (NumberSpec::Sql(sql), None) => sql,
            (NumberSpec::Number(_) | NumberSpec::Int(_), None) => unreachable!("a number is fixed"),
        };
        let number = |t: &DataType| t.is_numeric();
        let i = self.sql_param(sql, path, ("a parameter", "a number", number), domain)?;
        Some(Param::Row(i))
    }

    /// SQL over the columns available here, planned, its type checked (`what` must give
    /// `expected`, as `accepts` says) and kept as parameter column `i` of the column being
    /// compiled; returns `i`.
    fn sql_param(
        &mut self,
        sql: &str,
        path: &str,
        (what, expected, accepts): (&str, &str, fn(&DataType) -> bool),
        domain: Domain,
    ) -> Option<usize> {
        let Some(schema) = self.param_schema.clone() else {
            return self.fail(
                path,
                format!("{what} (`{sql}`) needs the columns of a row: it is not available here"),
            );
        };
        let planned = self.sql_expr(&self.qualify(sql), &schema, path)?;
        if !accepts(&planned.data_type) {
            return self.fail(
                path,
                format!(
                    "{what} must be {expected}; `{sql}` is {}",
                    planned.data_type
                ),
            );
        }
        self.params.push(ParamExpr {
            sql: sql.to_string(),
            path: path.to_string(),
            reads: super::column_reads(&planned.physical),
            physical: planned.physical,
            domain,
        });
        Some(self.params.len() - 1)
    }

    /// The running sums of 24 hourly weights from `{ "8-17": 0.7, 20: 0.1, ... }`.
    fn hour_weights(
        &mut self,
        hours: &indexmap::IndexMap<String, f64>,
        path: &str,
    ) -> Option<Vec<f64>> {
        let mut weights = [None::<f64>; 24];
        for (key, &w) in hours {
            let at = format!("{path}.{key}");
            let range = match key.split_once('-') {
                Some((a, b)) => a
                    .trim()
                    .parse::<usize>()
                    .ok()
                    .zip(b.trim().parse::<usize>().ok()),
                None => key.trim().parse::<usize>().ok().map(|h| (h, h)),
            };
            let Some((first, last)) = range.filter(|(a, b)| a <= b && *b < 24) else {
                return self.fail(
                    at,
                    format!("expected an hour `0`–`23` or a range such as `8-17`, found `{key}`"),
                );
            };
            if !(w >= 0.0 && w.is_finite()) {
                return self.fail(at, format!("a weight must be a number ≥ 0, found {w}"));
            }
            // A range's weight is shared by its hours: `"8-17": 0.7` is 70% of the weight.
            let each = w / (last - first + 1) as f64;
            for (h, weight) in weights.iter_mut().enumerate().take(last + 1).skip(first) {
                if weight.replace(each).is_some() {
                    return self.fail(at, format!("hour {h} is given twice"));
                }
            }
        }
        let mut total = 0.0;
        let cumulative: Vec<f64> = weights
            .iter()
            .map(|w| {
                total += w.unwrap_or(0.0);
                total
            })
            .collect();
        if total <= 0.0 {
            return self.fail(path, "the hours' weights must not all be 0");
        }
        Some(cumulative)
    }

    /// A generator of booleans or text: refused when it is given a number's modifier.
    fn without_number_modifiers(
        &mut self,
        g: &GeneratorSpec,
        path: &str,
        generator: Generator,
    ) -> Option<Generator> {
        let given = [
            ("round", g.round.is_some()),
            ("clamp", g.clamp.is_some()),
            ("add", g.add.is_some()),
            ("unit", g.unit.is_some()),
            ("resolution", g.resolution.is_some()),
        ];
        let Some((key, _)) = given.iter().find(|(_, given)| *given) else {
            return Some(generator);
        };
        let applies = match *key {
            "round" | "clamp" => "numbers",
            "resolution" => "date-times",
            _ => "numbers and date-times",
        };
        self.fail(
            format!("{path}.{key}"),
            format!(
                "`{key}` applies to {applies}, not {}",
                generator.value_type().name()
            ),
        )
    }

    fn range_ok(&mut self, ok: bool, path: &str, shown: &str) -> Option<()> {
        if ok {
            Some(())
        } else {
            self.fail(path, format!("the range {shown} is inverted or not finite: expected [low, high] with low ≤ high"))
        }
    }

    /// Applies `round`, `clamp`, `add`, `unit` and `resolution`, which only numbers take.
    fn modifiers(
        &mut self,
        g: &GeneratorSpec,
        path: &str,
        generator: Generator,
    ) -> Option<Generator> {
        let Generator::Number(mut n) = generator else {
            return self.without_number_modifiers(g, path, generator);
        };
        if let Some(r) = g.round {
            if n.ty == NumberType::DateTime {
                return self.fail(
                    format!("{path}.round"),
                    "`round` applies to numbers, not date-time",
                );
            }
            n.round = Some(r);
            if r == 0 {
                n.ty = NumberType::Int;
            }
        }
        if let Some([lo, hi]) = &g.clamp {
            n.clamp = Some(self.clamp_bounds(lo, hi, &format!("{path}.clamp"))?);
        }
        match (&g.add, g.unit) {
            (Some(add), unit) => {
                let inner = match self.generator(add, &format!("{path}.add"), false)? {
                    Generator::Number(inner) if inner.ty != NumberType::DateTime => inner,
                    _ => return self.fail(format!("{path}.add"), "`add` takes a number generator"),
                };
                let scale = match n.ty {
                    NumberType::DateTime => unit.unwrap_or(TimeUnit::Hour).seconds() as f64,
                    _ => 1.0,
                };
                if inner.ty == NumberType::Float && n.ty == NumberType::Int {
                    n.ty = NumberType::Float;
                }
                n.add = Some((Box::new(inner), scale));
            }
            (None, Some(_)) => {
                return self.fail(
                    format!("{path}.unit"),
                    "`unit` sets the unit of `add`, which is missing",
                );
            }
            (None, None) => {}
        }
        if let Some(r) = g.resolution {
            if n.ty != NumberType::DateTime {
                return self.fail(
                    format!("{path}.resolution"),
                    "`resolution` applies to date-times",
                );
            }
            n.resolution = r.seconds();
        }
        if let (Some((lo, hi)), NumberType::Int) = (n.clamp, n.ty) {
            n.clamp = Some(self.whole_clamp(lo, hi, &format!("{path}.clamp"))?);
        }
        Some(Generator::Number(n))
    }

    /// A clamp's bounds as numbers (whole ones exact), `lo ≤ hi`.
    fn clamp_bounds(
        &mut self,
        lo: &NumberSpec,
        hi: &NumberSpec,
        path: &str,
    ) -> Option<(Number, Number)> {
        let exact = |n: &NumberSpec| match n {
            NumberSpec::Int(i) => Some(Number::Int(*i)),
            NumberSpec::Number(x) => Some(Number::Float(*x)),
            NumberSpec::Sql(_) => None,
        };
        let (Some(low), Some(high)) = (exact(lo), exact(hi)) else {
            return self.fail(path, "`clamp` takes two numbers, not SQL");
        };
        let ordered = match (low, high) {
            (Number::Int(a), Number::Int(b)) => a <= b,
            (a, b) => a.as_f64() <= b.as_f64(),
        };
        self.range_ok(ordered, path, &format!("[{lo}, {hi}]"))?;
        Some((low, high))
    }

    /// An integer generator's clamp: the whole numbers in `[lo, hi]`, so that every value
    /// stays inside the declared range (`[2.5, 7.5]` clamps into 3…7; infinite bounds are the
    /// ends of the 64-bit range).
    fn whole_clamp(&mut self, lo: Number, hi: Number, path: &str) -> Option<(Number, Number)> {
        let whole = |n: Number, round: fn(f64) -> f64| match n {
            Number::Int(i) => i,
            Number::Float(x) => round(x) as i64,
        };
        let (low, high) = (whole(lo, f64::ceil), whole(hi, f64::floor));
        if low > high {
            return self.fail(
                path,
                format!(
                    "the column makes integers, and no whole number lies in the clamp's range [{}, {}]",
                    lo.as_f64(),
                    hi.as_f64()
                ),
            );
        }
        Some((Number::Int(low), Number::Int(high)))
    }

    fn choice(
        &mut self,
        choice: &ChoiceSpec,
        weights: Option<&[f64]>,
        path: &str,
    ) -> Option<Generator> {
        let (values, weights): (Vec<Scalar>, Option<Vec<f64>>) = match choice {
            ChoiceSpec::Named(name) => match self.scenario.vocab.get(name) {
                Some(v) => (v.clone(), weights.map(<[f64]>::to_vec)),
                None => {
                    let key = format!("vocab {name}");
                    if self.already_unknown(&key, path) {
                        return None;
                    }
                    let names: Vec<&str> = self.scenario.vocab.keys().map(String::as_str).collect();
                    self.problem(
                        Diagnostic::at(path, format!("unknown vocab list `{name}`"))
                            .suggest(name, names.iter().copied()),
                    );
                    self.record_unknown(key);
                    return None;
                }
            },
            ChoiceSpec::List(v) => (v.clone(), weights.map(<[f64]>::to_vec)),
            ChoiceSpec::Weighted(pairs) => {
                if weights.is_some() {
                    return self.fail(
                        path,
                        "give weights either in the mapping or in `weights`, not both",
                    );
                }
                (
                    pairs.iter().map(|(v, _)| v.clone()).collect(),
                    Some(pairs.iter().map(|(_, w)| *w).collect()),
                )
            }
        };
        if values.is_empty() {
            return self.fail(path, "`choice` has no values to choose from");
        }
        let Some(ty) = literal_type(&values) else {
            return self.fail(
                path,
                "`choice` mixes value types: use all strings, all numbers or all booleans",
            );
        };
        let cumulative = match weights {
            None => None,
            Some(w) => Some(self.cumulative(
                &w,
                values.len(),
                &format!("{}.weights", path.trim_end_matches(".choice")),
            )?),
        };
        Some(match ty {
            ValueType::Bool => Generator::Boolean(BooleanGenerator::Choice(Choice {
                values: values
                    .iter()
                    .map(|v| matches!(v, Scalar::Bool(true)))
                    .collect(),
                cumulative,
            })),
            ValueType::Str => Generator::Text(TextGenerator::Choice(Choice {
                values: values.iter().map(Scalar::to_string).collect(),
                cumulative,
            })),
            ValueType::Int | ValueType::Float | ValueType::DateTime => {
                let ty = if ty == ValueType::Int {
                    NumberType::Int
                } else {
                    NumberType::Float
                };
                let inexact = values.iter().find_map(|v| match v {
                    Scalar::Int(i) if ty == NumberType::Float && i.unsigned_abs() > 1 << 53 => {
                        Some(*i)
                    }
                    _ => None,
                });
                if let Some(i) = inexact {
                    return self.fail(path, format!("`choice` mixes whole numbers and decimals, so it makes floats, and no float holds {i} exactly: make every value a whole number, or quote them as text"));
                }
                let values = values.iter().filter_map(exact_number).collect();
                Generator::Number(NumberGenerator::plain(
                    NumberKind::Choice(Choice { values, cumulative }),
                    ty,
                ))
            }
        })
    }

    fn cumulative(&mut self, weights: &[f64], n: usize, path: &str) -> Option<Vec<f64>> {
        if weights.len() != n {
            return self.fail(
                path,
                format!(
                    "{} weights for {n} values: give one weight per value",
                    weights.len()
                ),
            );
        }
        if let Some(w) = weights.iter().find(|w| !w.is_finite() || **w < 0.0) {
            return self.fail(path, format!("weights must be finite and ≥ 0, found {w}"));
        }
        let mut total = 0.0;
        let c: Vec<f64> = weights
            .iter()
            .map(|w| {
                total += w;
                total
            })
            .collect();
        if total <= 0.0 {
            return self.fail(path, "the weights sum to 0: at least one must be positive");
        }
        Some(c)
    }

    fn pick(&mut self, spec: &PickSpec, path: &str) -> Option<Generator> {
        let reference = match spec {
            PickSpec::Column(reference) => reference,
            PickSpec::Row(_) => {
                return self.fail(
                    path,
                    "a `pick` of several columns makes several columns, so it can only be a column's generator, not nested",
                );
            }
        };
        let Some((table, column)) = reference.split_once('.') else {
            return self.fail(
                path,
                format!("`pick` takes `table.column`, found `{reference}`"),
            );
        };
        let (id, ty) = self.pick_source(table, column, path)?;
        Some(match ty {
            ValueType::Bool => Generator::Boolean(BooleanGenerator::Pick(id)),
            ValueType::Str => Generator::Text(TextGenerator::Pick(id)),
            ValueType::Int => number_pick(id, NumberType::Int),
            ValueType::Float => number_pick(id, NumberType::Float),
            ValueType::DateTime => number_pick(id, NumberType::DateTime),
        })
    }

    /// Column `column` of the earlier table `table` as a pick source of the current table:
    /// its id and the type of the values it gives (a date's is a date-time at midnight). A
    /// column that can be empty is refused: a drawn value is never empty.
    pub(super) fn pick_source(
        &mut self,
        table: &str,
        column: &str,
        path: &str,
    ) -> Option<(PickId, ValueType)> {
        let what = format!("table `{}`", self.scope.name);
        if self.reads_failed_input([table], &what) {
            return None;
        }
        let Some(schema) = self.schemas.get(table).cloned() else {
            self.undeclared_table("`pick`", table, path);
            return None;
        };
        let Ok(field) = schema.field_with_name(column) else {
            let names: Vec<&str> = schema.fields().iter().map(|f| f.name().as_str()).collect();
            self.problem(
                Diagnostic::at(path, format!("table `{table}` has no column `{column}`"))
                    .suggest(column, names.iter().copied()),
            );
            return None;
        };
        let ty = match field.data_type() {
            DataType::Date32 | DataType::Date64 => Some(ValueType::DateTime),
            t => ValueType::from_arrow(t),
        };
        let Some(ty) = ty else {
            return self.fail(
                path,
                format!(
                    "cannot pick from column `{table}.{column}` of type {}: a pick draws booleans, integers, floats, text, dates and date-times",
                    field.data_type()
                ),
            );
        };
        if self.rows.get(table) == Some(&Some(0)) {
            return self.fail(
                path,
                format!("cannot pick from table `{table}`: it has 0 rows"),
            );
        }
        if self.declares_nulls(table, column) {
            self.problem(
                Diagnostic::at(path, format!("cannot pick from `{table}.{column}`: it has `nulls`, and a drawn value is never empty"))
                    .help(format!("pick from the column before its values are emptied (a hidden copy, `{column}_full: {column}`), or give this column its own `nulls`")),
            );
            return None;
        }
        let id = match self
            .scope
            .picks
            .iter()
            .position(|p| p.table == table && p.column == column)
        {
            Some(i) => PickId(i),
            None => {
                self.scope.picks.push(PickSource {
                    table: table.to_string(),
                    column: column.to_string(),
                    path: path.to_string(),
                });
                PickId(self.scope.picks.len() - 1)
            }
        };
        Some((id, ty))
    }

    /// Whether column `column` of table `table` is declared with missing values.
    fn declares_nulls(&self, table: &str, column: &str) -> bool {
        let Some(t) = self.scenario.tables.get(table) else {
            return false;
        };
        t.nulls.contains_key(column)
            || matches!(t.columns.get(column), Some(ColumnSpec::Generate(g)) if g.nulls.is_some())
    }

    fn mixture(&mut self, arms: &[GeneratorSpec], path: &str) -> Option<Generator> {
        if arms.is_empty() {
            return self.fail(path, "`mixture` needs at least one arm");
        }
        let mut compiled = Vec::new();
        let mut weights = Vec::new();
        for (i, arm) in arms.iter().enumerate() {
            let arm_path = format!("{path}[{i}]");
            let Some(w) = arm.weight else {
                self.problem(Diagnostic::at(
                    &arm_path,
                    "each arm of a `mixture` needs a `weight`",
                ));
                continue;
            };
            weights.push(w);
            if let Some(g) = self.generator(arm, &arm_path, true) {
                compiled.push(g);
            }
        }
        if compiled.len() != arms.len() || weights.len() != arms.len() {
            return None;
        }
        let ty = compiled[0].value_type();
        if let Some(other) = compiled.iter().find(|g| g.value_type() != ty) {
            return self.fail(
                path,
                format!(
                    "the arms of a `mixture` must make the same type, found {} and {}",
                    ty.name(),
                    other.value_type().name()
                ),
            );
        }
        let cumulative = self.cumulative(&weights, arms.len(), path)?;
        Some(typed_mixture(compiled, cumulative))
    }
}

/// A number generator of `kind` without modifiers.
fn number(kind: NumberKind, ty: NumberType) -> Option<Generator> {
    Some(Generator::Number(NumberGenerator::plain(kind, ty)))
}

fn number_pick(id: PickId, ty: NumberType) -> Generator {
    Generator::Number(NumberGenerator::plain(NumberKind::Pick(id), ty))
}

/// A mixture of arms that all make the same value type (checked by the caller).
fn typed_mixture(arms: Vec<Generator>, cumulative: Vec<f64>) -> Generator {
    fn collect<G>(arms: Vec<Generator>, pick: impl Fn(Generator) -> Option<G>) -> Vec<G> {
        arms.into_iter().filter_map(pick).collect()
    }
    match &arms[0] {
        Generator::Number(first) => {
            let ty = first.ty;
            let arms = collect(arms, |g| match g {
                Generator::Number(n) => Some(n),
                _ => None,
            });
            Generator::Number(NumberGenerator::plain(
                NumberKind::Mixture(Mixture { arms, cumulative }),
                ty,
            ))
        }
        Generator::Boolean(_) => {
            let arms = collect(arms, |g| match g {
                Generator::Boolean(b) => Some(b),
                _ => None,
            });
            Generator::Boolean(BooleanGenerator::Mixture(Mixture { arms, cumulative }))
        }
        Generator::Text(_) => {
            let arms = collect(arms, |g| match g {
                Generator::Text(t) => Some(t),
                _ => None,
            });
            Generator::Text(TextGenerator::Mixture(Mixture { arms, cumulative }))
        }
    }
}

/// A sequence pattern such as `M{:04}`: text with one `{}` or `{:0N}` placeholder. Without any
/// text or width, the sequence makes integers.
fn sequence(pattern: &str, start: i64) -> Result<Generator, String> {
    let Some(open) = pattern.find('{') else {
        return Err(format!(
            "a sequence pattern needs a `{{}}` placeholder for the number, e.g. \"M{{:04}}\", found \"{pattern}\""
        ));
    };
    let Some(close) = pattern[open..].find('}').map(|c| c + open) else {
        return Err(format!("unclosed `{{` in sequence pattern \"{pattern}\""));
    };
    let spec = &pattern[open + 1..close];
    let width = match spec.strip_prefix(':') {
        None if spec.is_empty() => 0,
        Some(w) => match w.trim_start_matches('0').parse::<usize>() {
            Ok(n) if n <= 32 => n,
            _ if w.chars().all(|c| c == '0') && !w.is_empty() => 0,
            _ => {
                return Err(format!(
                    "invalid width `{spec}` in \"{pattern}\": use `{{}}` or `{{:04}}`"
                ));
            }
        },
        None => {
            return Err(format!(
                "invalid placeholder `{{{spec}}}` in \"{pattern}\": use `{{}}` or `{{:04}}`"
            ));
        }
    };
    let (prefix, suffix) = (&pattern[..open], &pattern[close + 1..]);
    Ok(if prefix.is_empty() && suffix.is_empty() && width == 0 {
        Generator::Number(NumberGenerator::plain(
            NumberKind::Sequence { start },
            NumberType::Int,
        ))
    } else {
        Generator::Text(TextGenerator::Sequence(SequencePattern {
            prefix: prefix.to_string(),
            width,
            suffix: suffix.to_string(),
            start,
        }))
    })
}

/// The value type shared by a list of literals (integers widen to floats), if any.
pub(super) fn literal_type(values: &[Scalar]) -> Option<ValueType> {
    let mut ty = None;
    for v in values {
        let t = match v {
            Scalar::Bool(_) => ValueType::Bool,
            Scalar::Int(_) => ValueType::Int,
            Scalar::Float(_) => ValueType::Float,
            Scalar::Str(_) => ValueType::Str,
        };
        ty = match (ty, t) {
            (None, t) => Some(t),
            (Some(a), b) if a == b => Some(a),
            (Some(ValueType::Int), ValueType::Float) | (Some(ValueType::Float), ValueType::Int) => {
                Some(ValueType::Float)
            }
            _ => return None,
        };
    }
    ty
}

/// A literal number as the plan keeps it: whole numbers exact.
fn exact_number(value: &Scalar) -> Option<Number> {
    match value {
        Scalar::Int(i) => Some(Number::Int(*i)),
        Scalar::Float(x) => Some(Number::Float(*x)),
        Scalar::Bool(_) | Scalar::Str(_) => None,
    }
}

/// A generator that writes `value` in every row.
pub(super) fn constant(value: &Scalar) -> Generator {
    match value {
        Scalar::Bool(b) => Generator::Boolean(BooleanGenerator::Constant(*b)),
        Scalar::Int(i) => Generator::Number(NumberGenerator::plain(
            NumberKind::Constant(Number::Int(*i)),
            NumberType::Int,
        )),
        Scalar::Float(x) => Generator::Number(NumberGenerator::plain(
            NumberKind::Constant(Number::Float(*x)),
            NumberType::Float,
        )),
        Scalar::Str(s) => Generator::Text(TextGenerator::Constant(s.clone())),
    }
}
