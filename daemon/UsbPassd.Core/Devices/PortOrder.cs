namespace UsbPassd.Devices;

/// <summary>Orders ports as a person reads a tree: by bus, root hub first, then port numbers numerically (1-2 before 1-10).</summary>
public static class PortOrder
{
    public static int Compare(UsbPortPath a, UsbPortPath b)
    {
        int byBus = a.Bus.CompareTo(b.Bus);
        if (byBus != 0)
        {
            return byBus;
        }

        ReadOnlySpan<char> x = a.Ports, y = b.Ports;
        while (!x.IsEmpty && !y.IsEmpty)
        {
            int dx = x.IndexOf('.'), dy = y.IndexOf('.');
            int px = int.Parse(dx < 0 ? x : x[..dx]), py = int.Parse(dy < 0 ? y : y[..dy]);
            if (px != py)
            {
                return px.CompareTo(py);
            }

            x = dx < 0 ? default : x[(dx + 1)..];
            y = dy < 0 ? default : y[(dy + 1)..];
        }

        return x.Length.CompareTo(y.Length); // a hub sorts before the devices behind it
    }
}
