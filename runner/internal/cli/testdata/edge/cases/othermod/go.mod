module example.com/some/other/module

go 1.21
