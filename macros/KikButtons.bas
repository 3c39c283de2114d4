Attribute VB_Name = "KikButtons"
Option Explicit

' Buttons of the xl_kik master workbook. Each button first makes sure that a Python with
' xl_kik can be started (KikPythonReady), then runs one xl_kik entry point
' (xl_kik/buttons.py) through RunPython of the standalone xlwings module in this
' workbook. Keep the commands in sync with BUTTON_MACROS in xl_kik/excel/vba/project.py.

Public Sub KikGenerate()
    If KikPythonReady() Then RunPython "import xl_kik.buttons; xl_kik.buttons.generate()"
End Sub

Public Sub KikMerge()
    If KikPythonReady() Then RunPython "import xl_kik.buttons; xl_kik.buttons.merge()"
End Sub

Public Sub KikPlan()
    If KikPythonReady() Then RunPython "import xl_kik.buttons; xl_kik.buttons.plan()"
End Sub

Public Sub KikOpenReturns()
    If KikPythonReady() Then RunPython "import xl_kik.buttons; xl_kik.buttons.open_returns()"
End Sub

Public Sub KikDoctor()
    If KikPythonReady() Then RunPython "import xl_kik.buttons; xl_kik.buttons.doctor()"
End Sub

' ---------------------------------------------------------------- which Python
' True when the interpreter on the xlwings.conf sheet exists. Otherwise (another PC, a
' moved or upgraded Python) look for one: the per-user venv of installer.cmd, the py
' launcher, the standard per-user and all-users Python folders, python on PATH; the first
' that has xl_kik is written into xlwings.conf and used. None found: a message box that
' says what to install and where, and False, so RunPython is not called.
Private Function KikPythonReady() As Boolean
    Dim key As String, current As String, found As String
    If KikIsMac() Then
        key = "INTERPRETER_MAC"
    Else
        key = "INTERPRETER_WIN"
    End If
    current = KikConfValue(key)
    If current <> "" Then
        ' Excel for Mac's sandbox may refuse to look at files outside it: a configured
        ' interpreter is trusted there (doctor checks it); on Windows it must exist.
        If KikIsMac() Or KikFileExists(KikExpand(current)) Then
            KikPythonReady = True
            Exit Function
        End If
    End If
    found = KikFindPython()
    If found <> "" Then
        KikSetConf key, found
        KikPythonReady = True
        Exit Function
    End If
    KikShowMissing current
    KikPythonReady = False
End Function

Private Function KikIsMac() As Boolean
    On Error Resume Next
    KikIsMac = (InStr(1, Application.OperatingSystem, "Mac", vbTextCompare) > 0)
End Function

' xlwings expands %VARIABLES% in xlwings.conf values: so do we.
Private Function KikExpand(ByVal text As String) As String
    KikExpand = text
    If InStr(text, "%") = 0 Then Exit Function
    On Error Resume Next
    KikExpand = CreateObject("WScript.Shell").ExpandEnvironmentStrings(text)
End Function

Private Function KikFileExists(ByVal filePath As String) As Boolean
    Dim attr As Long
    On Error GoTo NotThere
    If filePath = "" Then Exit Function
    attr = GetAttr(filePath)
    KikFileExists = ((attr And vbDirectory) = 0)
    Exit Function
NotThere:
    KikFileExists = False
End Function

Private Function KikFindPython() As String
    Dim localDir As String, programs As String, v As Variant, found As String
    On Error Resume Next
    If KikIsMac() Then
        ' Excel for Mac cannot start a program to ask it: take the first that exists.
        For Each v In Array("/Library/Frameworks/Python.framework/Versions/3.13/bin/python3", _
                            "/Library/Frameworks/Python.framework/Versions/3.12/bin/python3", _
                            "/Library/Frameworks/Python.framework/Versions/3.11/bin/python3", _
                            "/opt/homebrew/bin/python3", "/usr/local/bin/python3")
            If KikFileExists(CStr(v)) Then
                KikFindPython = CStr(v)
                Exit Function
            End If
        Next v
        Exit Function
    End If
    localDir = Environ("LOCALAPPDATA")
    programs = Environ("ProgramFiles")
    If localDir <> "" Then
        found = KikAskPython("""" & localDir & "\xl_kik\venv\Scripts\python.exe""")
        If found <> "" Then
            KikFindPython = found
            Exit Function
        End If
    End If
    found = KikAskPython("py -3")
    If found <> "" Then
        KikFindPython = found
        Exit Function
    End If
    For Each v In Array("314", "313", "312", "311")
        If localDir <> "" Then
            found = KikAskPython("""" & localDir & "\Programs\Python\Python" & v & "\python.exe""")
            If found <> "" Then
                KikFindPython = found
                Exit Function
            End If
        End If
        If programs <> "" Then
            found = KikAskPython("""" & programs & "\Python" & v & "\python.exe""")
            If found <> "" Then
                KikFindPython = found
                Exit Function
            End If
        End If
    Next v
    found = KikAskPython("python")
    If found <> "" Then KikFindPython = found
End Function

' Start `cmd -c "import xl_kik, sys; print(sys.executable)"` without a window; return
' the python.exe it printed if it has xl_kik, else "".
Private Function KikAskPython(ByVal cmd As String) As String
    Dim sh As Object, fso As Object, tmp As String, printed As String, code As Long
    On Error GoTo Failed
    Set sh = CreateObject("WScript.Shell")
    Set fso = CreateObject("Scripting.FileSystemObject")
    tmp = Environ("TEMP") & "\xl_kik-python-" & Format(Now, "hhnnss") & ".txt"
    code = sh.Run("cmd.exe /s /c """ & cmd & " -c ""import xl_kik, sys; print(sys.executable)"" > """ & _
                     tmp & """ 2>nul""", 0, True)
    If code = 0 And fso.FileExists(tmp) Then
        With fso.OpenTextFile(tmp, 1)
            If Not .AtEndOfStream Then printed = Trim$(.ReadLine)
            .Close
        End With
        If KikFileExists(printed) Then KikAskPython = printed
    End If
    If fso.FileExists(tmp) Then fso.DeleteFile tmp
    Exit Function
Failed:
    KikAskPython = ""
End Function

' ---------------------------------------------------------------- the xlwings.conf sheet
' xlwings reads keys from A1 down to the first empty cell (upper-cased), values from B.
Private Function KikConfValue(ByVal key As String) As String
    Dim sht As Object, r As Long
    On Error GoTo Missing
    Set sht = ThisWorkbook.Worksheets("xlwings.conf")
    r = 1
    Do While CStr(sht.Cells(r, 1).Value) <> ""
        If UCase$(CStr(sht.Cells(r, 1).Value)) = key Then
            KikConfValue = CStr(sht.Cells(r, 2).Value)
            Exit Function
        End If
        r = r + 1
    Loop
Missing:
End Function

Private Sub KikSetConf(ByVal key As String, ByVal newValue As String)
    Dim sht As Object, r As Long
    On Error GoTo Done
    Set sht = ThisWorkbook.Worksheets("xlwings.conf")
    r = 1
    Do While CStr(sht.Cells(r, 1).Value) <> ""
        If UCase$(CStr(sht.Cells(r, 1).Value)) = key Then Exit Do
        r = r + 1
    Loop
    If CStr(sht.Cells(r, 1).Value) = "" Then sht.Cells(r, 1).Value = key
    sht.Cells(r, 2).NumberFormat = "@"
    sht.Cells(r, 2).Value = newValue
Done:
End Sub

' ---------------------------------------------------------------- the message
Private Function KikLang() As String
    Dim sht As Object, r As Long
    KikLang = "da"
    On Error GoTo Done
    Set sht = ThisWorkbook.Worksheets("_kik")
    For r = 1 To 200
        If CStr(sht.Cells(r, 1).Value) = "lang" Then
            If CStr(sht.Cells(r, 2).Value) = "en" Then KikLang = "en"
            Exit Function
        End If
    Next r
Done:
End Function

Private Sub KikShowMissing(ByVal configured As String)
    Dim t As String, nl As String
    nl = vbCrLf
    If KikLang() = "en" Then
        t = "The buttons cannot start Python with xl_kik on this computer, so nothing was run or changed." & nl & nl
        If configured <> "" Then t = t & "The master points to a Python that is not here: " & configured & nl & nl
        If KikIsMac() Then
            t = t & "1. Install Python 3.11 or newer from https://www.python.org/downloads/macos/" & nl & _
                "2. In Terminal: python3 -m pip install --user xl_kik-<version>-py3-none-any.whl" & nl & _
                "3. In Terminal: xlwings runpython install" & nl & _
                "4. Close Excel, open the master again and click the button."
        Else
            t = t & "1. Install Python 3.11 or newer (64-bit) from https://www.python.org/downloads/windows/ " & _
                "(""Install Now"" installs for you only; no administrator rights needed)." & nl & _
                "2. Install xl_kik: double-click installer.cmd in the xl_kik bundle (it installs into " & _
                "%LOCALAPPDATA%\xl_kik), or in Command Prompt: py -m pip install --user xl_kik-<version>-py3-none-any.whl" & nl & _
                "3. Click the button again: it finds the new Python by itself."
        End If
        MsgBox t, vbCritical, "KIK self-evaluation: Python not found"
    Else
        t = "Knapperne kan ikke starte Python med xl_kik på denne computer. Intet er kørt eller ændret." & nl & nl
        If configured <> "" Then t = t & "Masterfilen peger på en Python, der ikke findes her: " & configured & nl & nl
        If KikIsMac() Then
            t = t & "1. Installer Python 3.11 eller nyere fra https://www.python.org/downloads/macos/" & nl & _
                "2. Skriv i Terminal: python3 -m pip install --user xl_kik-<version>-py3-none-any.whl" & nl & _
                "3. Skriv i Terminal: xlwings runpython install" & nl & _
                "4. Luk Excel, åbn masterfilen igen, og klik på knappen."
        Else
            t = t & "1. Installer Python 3.11 eller nyere (64-bit) fra https://www.python.org/downloads/windows/ " & _
                "(""Install Now"" installerer kun til dig; du behøver ikke administratorrettigheder)." & nl & _
                "2. Installer xl_kik: dobbeltklik på installer.cmd i xl_kik-pakken (den installerer i " & _
                "%LOCALAPPDATA%\xl_kik), eller skriv i Kommandoprompt: py -m pip install --user xl_kik-<version>-py3-none-any.whl" & nl & _
                "3. Klik på knappen igen: den finder selv den nye Python."
        End If
        MsgBox t, vbCritical, "KIK-selvevaluering: Python blev ikke fundet"
    End If
End Sub
