module newergo

go 1.99
