using JinDu.BuildingBlocks.Identifiers;

namespace JinDu.DataGenerator;

/// <summary>
/// Waybill numbers of one courier in the shapes it really uses, never repeating within a run: the serial
/// part walks the whole number space with a random start and a stride coprime to it (so numbers look
/// scattered, like real ones, yet two are never equal), and two runs with different seeds rarely meet.
/// </summary>
public sealed class WaybillSequence
{
    private readonly CourierCompany _company;
    private readonly Serial _main;
    private readonly Serial _s10;
    private readonly char _s10Service;

    public WaybillSequence(CourierCompany company, Random rng)
    {
        _company = company;
        var digits = company switch
        {
            CourierCompany.SF => 12,    // SF1 + 12 digits: SF1234567890123
            CourierCompany.ZTO => 13,   // 7 + 13 digits: 14-digit numbers such as 78xxxxxxxxxxxx
            CourierCompany.YTO => 13,   // YT + 13 digits
            CourierCompany.STO => 13,   // 77 + 13 digits: 15-digit numbers such as 773xxxxxxxxxxx
            CourierCompany.Yunda => 13, // 46 + 13 digits: 15 digits
            CourierCompany.JT => 13,    // JT + 13 digits
            CourierCompany.JD => 11,    // JDV + letter + 11 digits: JDVA12345678901
            CourierCompany.EMS => 12,   // 1 + 12 digits: 13-digit domestic numbers
            _ => throw new ArgumentOutOfRangeException(nameof(company)),
        };
        _main = new Serial(digits, rng);
        _s10 = new Serial(8, rng);
        _s10Service = "ACEV"[rng.Next(4)]; // EA, EC, EE, EV: EMS service indicators
    }

    /// <summary>Share of EMS numbers that are international UPU S10 numbers (EE123456785CN).</summary>
    public const double EmsInternationalShare = 0.01;

    public string Next(Random rng)
    {
        if (_company == CourierCompany.EMS && rng.NextDouble() < EmsInternationalShare)
        {
            var serial = _s10.Next();
            return string.Create(13, (serial, _s10Service), static (span, s) =>
            {
                span[0] = 'E';
                span[1] = s._s10Service;
                People.Digits(span.Slice(2, 8), s.serial);
                span[10] = Waybill.ComputeS10CheckDigit(span.Slice(2, 8));
                span[11] = 'C';
                span[12] = 'N';
            });
        }
        var value = _main.Next();
        var (prefix, digits) = _company switch
        {
            CourierCompany.SF => ("SF1", 12),
            CourierCompany.ZTO => ("7", 13),
            CourierCompany.YTO => ("YT", 13),
            CourierCompany.STO => ("77", 13),
            CourierCompany.Yunda => ("46", 13),
            CourierCompany.JT => ("JT", 13),
            CourierCompany.JD => (value % 3 == 0 ? "JDVB" : "JDVA", 11),
            _ => ("1", 12),
        };
        return string.Create(prefix.Length + digits, (prefix, value), static (span, s) =>
        {
            s.prefix.AsSpan().CopyTo(span);
            People.Digits(span[s.prefix.Length..], s.value);
        });
    }

    /// <summary>value(n) = (start + n·stride) mod 10^digits: a bijection while n &lt; 10^digits.</summary>
    private sealed class Serial
    {
        private readonly long _modulus;
        private readonly long _stride;
        private long _value;

        public Serial(int digits, Random rng)
        {
            _modulus = (long)Math.Pow(10, digits);
            _value = rng.NextInt64(_modulus);
            long stride;
            do stride = rng.NextInt64(_modulus / 10, _modulus);
            while (stride % 2 == 0 || stride % 5 == 0);
            _stride = stride;
        }

        public long Next()
        {
            var v = _value;
            _value += _stride;
            if (_value >= _modulus) _value -= _modulus;
            return v;
        }
    }
}
